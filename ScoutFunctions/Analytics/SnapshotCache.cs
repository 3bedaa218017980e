using System.Collections.Concurrent;

namespace Scout.Analytics;

/// <summary>
/// What the HTTP functions read: the stored snapshots, each kept in memory for at most <see cref="MaxAge"/>.
/// Snapshots change once per interval, so a second of staleness costs nothing, while a busy replica
/// stops paying one Redis round trip and one JSON parse per request. Failures are never cached; while
/// Redis is unreachable the last snapshot this replica read is served, with its true lastUpdated.
/// </summary>
public sealed class SnapshotCache(ISnapshotStore store, TimeProvider time)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new();

    public async Task<AnalyticsSnapshot?> GetAsync(string window)
    {
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(window, out var entry) && now - entry.ReadAt < MaxAge) return entry.Snapshot;
        AnalyticsSnapshot? snapshot;
        try
        {
            snapshot = await store.GetAsync(window);
        }
        catch (Exception error) when ((error is StackExchange.Redis.RedisException or TimeoutException) && entry?.Snapshot is not null)
        {
            return entry!.Snapshot;
        }
        _entries[window] = new Entry(snapshot, now);
        return snapshot;
    }

    private sealed record Entry(AnalyticsSnapshot? Snapshot, DateTimeOffset ReadAt);
}
