using System.Security.Cryptography;
using Scout.Redis;
using StackExchange.Redis;

namespace Scout.Alerting;

/// <summary>
/// One claim per rule and cooldown, shared by every replica and surviving restarts: SET NX PX.
/// A claim whose delivery failed is released (only by its holder) so the next cycle retries.
/// </summary>
public sealed class AlertCooldowns(RedisConnection redis)
{
    private const string ReleaseScript =
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    public async Task<string?> TryClaimAsync(string rule, TimeSpan cooldown)
    {
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        return await redis.Database.StringSetAsync(ScoutKeys.AlertCooldown(rule), token, cooldown, When.NotExists) ? token : null;
    }

    public Task ReleaseAsync(string rule, string token) =>
        redis.Database.ScriptEvaluateAsync(ReleaseScript, [ScoutKeys.AlertCooldown(rule)], [token]);
}
