using System.Security.Cryptography;
using System.Text.Json;
using Scout.Redis;
using StackExchange.Redis;

namespace Scout.Hosting;

/// <summary>Timer leases (SET NX PX with a random token) and schedule status in Redis.</summary>
public sealed class RedisTimerStore(RedisConnection redis) : ITimerStore
{
    // Renew and release only while the key still holds our token, atomically.
    private const string RenewScript =
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
    private const string ReleaseScript =
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    public async Task<ITimerLease?> TryAcquireLeaseAsync(string function, TimeSpan duration)
    {
        var key = ScoutKeys.Lease(function);
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var acquired = await redis.Database.StringSetAsync(key, token, duration, When.NotExists);
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
        public async Task<bool> RenewAsync() =>
            (long)await redis.Database.ScriptEvaluateAsync(RenewScript, [key], [token, (long)duration.TotalMilliseconds]) == 1;

        public async ValueTask DisposeAsync()
        {
            try
            {
                await redis.Database.ScriptEvaluateAsync(ReleaseScript, [key], [token]);
            }
            catch (Exception)
            {
                // Redis is gone or slow (timeouts are not RedisExceptions): the lease expires on its own.
            }
        }
    }
}
