using System.Text.Json;
using Scout.Redis;
using StackExchange.Redis;

namespace Scout.Hosting;

/// <summary>Timer leases (token locks: SET NX PX, extended and released only by their holder) and schedule status in Redis.</summary>
public sealed class RedisTimerStore(RedisConnection redis) : ITimerStore
{
    public async Task<ITimerLease?> TryAcquireLeaseAsync(string function, TimeSpan duration)
    {
        var key = ScoutKeys.Lease(function);
        var token = LockToken.New();
        var acquired = await redis.Database.LockTakeAsync(key, token, duration);
        return acquired ? new Lease(redis, key, token, duration) : null;
    }

    public async Task<TimerRecord?> GetRecordAsync(string function)
    {
        var json = await redis.Database.StringGetAsync(ScoutKeys.TimerStatus(function));
        return json.IsNullOrEmpty ? null : TimerRecords.Parse(() => JsonSerializer.Deserialize<TimerRecord>(json.ToString(), ScoutJson.Options));
    }

    public Task SetRecordAsync(string function, TimerRecord record) =>
        redis.Database.StringSetAsync(ScoutKeys.TimerStatus(function), JsonSerializer.Serialize(record, ScoutJson.Options));

    private sealed class Lease(RedisConnection redis, string key, string token, TimeSpan duration) : ITimerLease
    {
        public Task<bool> RenewAsync() => redis.Database.LockExtendAsync(key, token, duration);

        public async ValueTask DisposeAsync()
        {
            try
            {
                await redis.Database.LockReleaseAsync(key, token);
            }
            catch (Exception)
            {
                // Redis is gone or slow (timeouts are not RedisExceptions): the lease expires on its own.
            }
        }
    }
}
