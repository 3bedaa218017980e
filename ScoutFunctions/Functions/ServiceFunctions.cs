using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Prometheus;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Hosting;
using Scout.Observability;
using Scout.Profile;

namespace Scout.Functions;

/// <summary>GET /, /health, /health/ready and /metrics: no auth, like the Go service.</summary>
public static class ServiceFunctions
{
    public static readonly EndpointInfo[] Endpoints =
    [
        new("/health", "Health check (returns version, commit, uptime, timer status)", "none", "Health"),
        new("/health/ready", "Readiness: 200 when Redis answers, else 503", "none", "Ready"),
        new("/analytics/summary", "Severity counts, total messages (?window=)", "bearer", "AnalyticsSummary"),
        new("/analytics/systems", "Per-system message counts, top 20 (?window=)", "bearer", "AnalyticsSystems"),
        new("/analytics/alerts", "Alert frequency, top alerting systems (?window=)", "bearer", "AnalyticsAlerts"),
        new("/metrics", "Prometheus metrics", "none", "Metrics"),
    ];

    // Like every other route: other methods get 405.
    private static readonly HttpMethodMetadata GetOnly = new(["GET"]);

    private static readonly TimeSpan StoreReadBound = TimeSpan.FromSeconds(1);

    public static IEndpointRouteBuilder MapServiceFunctions(this IEndpointRouteBuilder routes, FunctionsHostSettings host, ScoutMetrics metrics)
    {
        if (!host.IsDisabled("Index"))
            routes.MapGet("/", (BuildInfo build) =>
                TypedResults.Ok(new IndexView(BuildInfo.ServiceName, build.Version, Endpoints.Where(e => !host.IsDisabled(e.Function)).Select(e => e with { Path = Prefixed(host, e.Path) }).ToList())));
        if (!host.IsDisabled("Health"))
            routes.MapGet("/health", HealthAsync);
        if (!host.IsDisabled("Ready"))
            routes.MapHealthChecks("/health/ready", new HealthCheckOptions { ResponseWriter = WriteReadinessAsync }).WithMetadata(GetOnly);
        if (!host.IsDisabled("Metrics"))
            routes.MapMetrics("/metrics", metrics.Registry).WithMetadata(GetOnly);
        return routes;
    }

    private static async Task<IResult> HealthAsync(
        BuildInfo build, TimeProvider time, ProcessStart start, IEnumerable<ITimerFunction> timers, ITimerStore store, ScoutProfileService profile,
        SnapshotCache snapshots)
    {
        var now = time.GetUtcNow();
        Dictionary<string, FunctionHealth>? functions = new();
        string? functionsError = null;
        try
        {
            // Liveness must answer within the probe's timeout whatever the store does: bounded, in parallel.
            var reads = timers.Select(async timer => (timer.Name, Record: await store.GetRecordAsync(timer.Name).WaitAsync(StoreReadBound)));
            foreach (var (name, record) in await Task.WhenAll(reads))
            {
                functions[name] = record is null
                    ? new FunctionHealth(null, null, "never run", null)
                    : new FunctionHealth(
                        record.ScheduleStatus.Last is { } last ? AnalyticsViews.Rfc3339(last) : null,
                        AnalyticsViews.Rfc3339(record.ScheduleStatus.Next),
                        record.LastOutcome,
                        record.LastDurationSeconds);
            }
        }
        catch (Exception)
        {
            // Liveness must not depend on Redis; readiness reports it.
            functions = null;
            functionsError = "timer status unavailable: timer store unreachable or slow";
        }
        return TypedResults.Ok(new HealthView("ok", build.Version, build.Commit, build.Date,
            GoDuration.Format(TimeSpan.FromSeconds(Math.Floor((now - start.At).TotalSeconds))), ProfileHealth.From(profile), functions, functionsError,
            await LastAggregationAsync(snapshots)));
    }

    /// <summary>Which index the last completed cycle read, from its stored snapshot; null when none is readable in time.</summary>
    private static async Task<AggregationHealth?> LastAggregationAsync(SnapshotCache snapshots)
    {
        try
        {
            var all = await snapshots.GetAsync(Configuration.AnalyticsWindow.AllName).WaitAsync(StoreReadBound);
            return all?.Index is { } index ? new AggregationHealth(index.Name, index.Source, AnalyticsViews.Rfc3339(all.GeneratedAt)) : null;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static Task WriteReadinessAsync(HttpContext context, Microsoft.Extensions.Diagnostics.HealthChecks.HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var ready = report.Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy;
        var body = new ReadinessView(ready ? "ready" : "unavailable",
            report.Entries.ToDictionary(e => e.Key, e => e.Value.Description ?? e.Value.Status.ToString()));
        return JsonSerializer.SerializeAsync(context.Response.Body, body, ScoutJson.Options);
    }

    private static string Prefixed(FunctionsHostSettings host, string path) =>
        host.RoutePrefix.Length == 0 ? path : "/" + host.RoutePrefix + path;

    /// <summary>An endpoint as GET / lists it; <see cref="Function"/> names the function that serves it (not serialized).</summary>
    public sealed record EndpointInfo(string Path, string Description, string Auth, [property: System.Text.Json.Serialization.JsonIgnore] string Function);

    internal sealed record IndexView(string Service, string Version, IReadOnlyList<EndpointInfo> Endpoints);

    internal sealed record HealthView(string Status, string Version, string Commit, string Date, string Uptime,
        ProfileHealth Profile, IReadOnlyDictionary<string, FunctionHealth>? Functions, string? FunctionsError, AggregationHealth? Aggregation);

    /// <summary>The index the last cycle read ("scout": Scout's own; "producer": the producer's) and when it ran.</summary>
    internal sealed record AggregationHealth(string Index, string Source, string At);

    /// <summary>"environment" when no ScoutProfile is in force, else which one and since when.</summary>
    internal sealed record ProfileHealth(string Source, string? Name, string? ResourceVersion, string? AppliedAt)
    {
        public static ProfileHealth From(ScoutProfileService profile) => profile.Active is { } active
            ? new("ScoutProfile", active.Name, active.ResourceVersion, AnalyticsViews.Rfc3339(active.AppliedAt))
            : new("environment", profile.Name, null, null);
    }

    internal sealed record FunctionHealth(string? LastRun, string? NextRun, string LastOutcome, double? LastDurationSeconds);

    internal sealed record ReadinessView(string Status, IReadOnlyDictionary<string, string> Checks);
}

/// <summary>When this process started, for /health uptime.</summary>
public sealed record ProcessStart(DateTimeOffset At);
