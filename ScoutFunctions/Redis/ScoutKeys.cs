using FunctionsSelfHost.Storage;

namespace Scout.Redis;

/// <summary>
/// Every key Scout writes, under one prefix, as plain strings (never JSON documents). The prefix is a Redis
/// Cluster hash tag: only <c>scout</c> is hashed, so all of Scout's keys live in one slot (4031) on every
/// topology. The per-cycle MSET of the snapshots stays one atomic command on a sharded Redis, where keys of
/// different slots would fail with CROSSSLOT. On a single node the braces are just characters.
/// </summary>
public static class ScoutKeys
{
    public const string Prefix = "{scout}:";

    public static string Snapshot(string window) => $"{Prefix}snapshot:{window}";

    /// <summary>The timeline of the last cycle (per-minute severity counts), written with the snapshots in one MSET.</summary>
    public const string Timeline = Prefix + "timeline";

    /// <summary>The self-host's timer status and lease keys when timer state lives in Redis (FunctionsSelfHost.Storage.RedisTimerStore).</summary>
    public static string TimerStatus(string function) => RedisTimerStore.StatusKey(Prefix, function);

    public static string Lease(string function) => RedisTimerStore.LeaseKey(Prefix, function);

    public static string AlertCooldown(string rule) => $"{Prefix}alert:cooldown:{rule}";
}
