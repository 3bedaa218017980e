using Scout.Redis;

namespace Scout.Alerting;

/// <summary>
/// One claim per rule and cooldown, shared by every replica and surviving restarts: a token lock
/// (SET NX PX). A claim whose delivery failed is released, only by its holder, so the next cycle retries.
/// </summary>
public sealed class AlertCooldowns(RedisConnection redis)
{
    public async Task<string?> TryClaimAsync(string rule, TimeSpan cooldown)
    {
        var token = LockToken.New();
        return await redis.Database.LockTakeAsync(ScoutKeys.AlertCooldown(rule), token, cooldown) ? token : null;
    }

    public Task ReleaseAsync(string rule, string token) => redis.Database.LockReleaseAsync(ScoutKeys.AlertCooldown(rule), token);
}
