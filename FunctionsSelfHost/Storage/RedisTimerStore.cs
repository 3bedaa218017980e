using System.Text.Json;
using FunctionsSelfHost.Timers;
using StackExchange.Redis;

namespace FunctionsSelfHost.Storage;

/// <summary>
/// Timer leases (token locks: SET NX PX, extended and released only by their holder) and schedule status in Redis,
/// under the app's key prefix: <c>{prefix}lease:{function}</c> and <c>{prefix}timer:{function}:status</c>.
/// </summary>
public sealed class RedisTimerStore(Func<IDatabase> database, string keyPrefix) : ITimerStore
{
    public static string LeaseKey(string keyPrefix, string function) => $"{keyPrefix}lease:{function}";

    public static string StatusKey(string keyPrefix, string function) => $"{keyPrefix}timer:{function}:status";

    private string LeaseKey(string function) => LeaseKey(keyPrefix, function);

    private string StatusKey(string function) => StatusKey(keyPrefix, function);

    public async Task<ITimerLease?> TryAcquireLeaseAsync(string function, TimeSpan duration)
    {
        var key = LeaseKey(function);
        // Unique per claim, so only its holder extends or releases it. A version 4 GUID is 122 random bits from the
        // OS's secure generator on Linux, without loading OpenSSL as RandomNumberGenerator does there.
        var token = Guid.NewGuid().ToString("N");
        var acquired = await database().LockTakeAsync(key, token, duration);
        return acquired ? new Lease(database, key, token, duration) : null;
    }

    public async Task<TimerRecord?> GetRecordAsync(string function)
    {
        var json = await database().StringGetAsync(StatusKey(function));
        return json.IsNullOrEmpty ? null : TimerRecords.Parse(() => JsonSerializer.Deserialize(json.ToString(), SelfHostJson.Default.TimerRecord));
    }

    public Task SetRecordAsync(string function, TimerRecord record) =>
        database().StringSetAsync(StatusKey(function), JsonSerializer.Serialize(record, SelfHostJson.Default.TimerRecord));

    private sealed class Lease(Func<IDatabase> database, string key, string token, TimeSpan duration) : ITimerLease
    {
        public Task<bool> RenewAsync() => database().LockExtendAsync(key, token, duration);

        public async ValueTask DisposeAsync()
        {
            try
            {
                await database().LockReleaseAsync(key, token);
            }
            catch (Exception)
            {
                // Redis is gone or slow (timeouts are not RedisExceptions): the lease expires on its own.
            }
        }
    }
}
