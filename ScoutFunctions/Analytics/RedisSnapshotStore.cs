using System.Text.Json;
using Scout.Redis;
using StackExchange.Redis;

namespace Scout.Analytics;

/// <summary>
/// Snapshots as plain string keys holding JSON text. Never JSON.SET: the producer's index has no PREFIX
/// and would count Scout's own documents as messages.
/// </summary>
public sealed class RedisSnapshotStore(RedisConnection redis) : ISnapshotStore
{
    public Task SaveAsync(IReadOnlyList<AnalyticsSnapshot> snapshots, TimelineSnapshot? timeline = null) =>
        // MSET is atomic: every window of a cycle, and its timeline, become visible together.
        redis.Database.StringSetAsync(snapshots
            .Select(s => new KeyValuePair<RedisKey, RedisValue>(ScoutKeys.Snapshot(s.Window), JsonSerializer.Serialize(s, AnalyticsJson.Default.AnalyticsSnapshot)))
            .Concat(timeline is null ? [] : [new(ScoutKeys.Timeline, JsonSerializer.Serialize(timeline, AnalyticsJson.Default.TimelineSnapshot))])
            .ToArray());

    public async Task<TimelineSnapshot?> GetTimelineAsync()
    {
        var json = await redis.Database.StringGetAsync(ScoutKeys.Timeline);
        return json.IsNullOrEmpty ? null : JsonSerializer.Deserialize(json.ToString(), AnalyticsJson.Default.TimelineSnapshot);
    }

    public async Task<AnalyticsSnapshot?> GetAsync(string window)
    {
        var json = await redis.Database.StringGetAsync(ScoutKeys.Snapshot(window));
        return json.IsNullOrEmpty ? null : JsonSerializer.Deserialize(json.ToString(), AnalyticsJson.Default.AnalyticsSnapshot);
    }
}
