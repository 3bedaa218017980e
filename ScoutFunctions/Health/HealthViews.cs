using Scout.Analytics;
using Scout.Configuration;
using Scout.Counting;
using Scout.Profile;

namespace Scout.Health;

// The answers of GET /, /health and /health/ready.

/// <summary>An endpoint as GET / lists it.</summary>
public sealed record EndpointInfo(string Path, string Description, string Auth);

internal sealed record IndexView(string Service, string Version, IReadOnlyList<EndpointInfo> Endpoints);

internal sealed record HealthView(string Status, string Version, string Commit, string Date, string Uptime,
    ProfileHealth Profile, IReadOnlyDictionary<string, FunctionHealth>? Functions, string? FunctionsError, AggregationHealth? Aggregation,
    SnapshotsHealth Snapshots, string? Reason = null);

/// <summary>
/// The index the last cycle read (source "producer": an earlier version also read one of its own, "scout"), when it ran, and the last full pass
/// over every document (when, how long, why, and what it found the counts had missed, counted wrongly or held too many).
/// </summary>
internal sealed record AggregationHealth(string Index, string Source, string At, Reconciliation? Reconciliation)
{
    public static AggregationHealth? From(AnalyticsSnapshot? all) =>
        all?.Index is { } index ? new AggregationHealth(index.Name, index.Source, MessageTimestamp.Rfc3339(all.GeneratedAt), all.Reconciliation) : null;
}

/// <summary>How old the snapshots this replica serves are, past which age they count as stale, and whether refreshing them fails.</summary>
internal sealed record SnapshotsHealth(string StaleAfter, IReadOnlyDictionary<string, SnapshotHealth> Windows)
{
    public static SnapshotsHealth From(IReadOnlyList<HeldSnapshot> held, SnapshotCache cache) => new(
        GoDuration.Format(cache.StaleAfter),
        held.ToDictionary(h => h.Window, h => new SnapshotHealth(
            h.Snapshot is { } s ? MessageTimestamp.Rfc3339(s.GeneratedAt) : null,
            h.Snapshot is { } a ? Math.Round(cache.Age(a).TotalSeconds, 1) : null,
            h.Snapshot is { } t && cache.IsStale(t),
            h.Reads?.LastReadAt is { } read ? MessageTimestamp.Rfc3339(read) : null,
            h.Reads?.Failure)));
}

/// <summary>One window: the snapshot's own time and age, when this replica last read it, and the latest refresh failure.</summary>
internal sealed record SnapshotHealth(string? LastUpdated, double? AgeSeconds, bool Stale, string? ReadAt, string? RefreshError);

/// <summary>"environment" when no ScoutProfile is in force (with why, when one is named), else which one and since when.</summary>
internal sealed record ProfileHealth(string Source, string? Name, string? ResourceVersion, string? AppliedAt, string? Reason = null)
{
    public static ProfileHealth From(ScoutProfileService profile) => profile.Active is { } active
        ? new("ScoutProfile", active.Name, active.ResourceVersion, MessageTimestamp.Rfc3339(active.AppliedAt))
        : new("environment", profile.Name, null, null, profile.Problem);
}

internal sealed record FunctionHealth(string? LastRun, string? NextRun, string LastOutcome, double? LastDurationSeconds);

internal sealed record ReadinessView(string Status, IReadOnlyDictionary<string, string> Checks);

/// <summary>When this process started, for /health uptime.</summary>
public sealed record ProcessStart(DateTimeOffset At);
