namespace Scout.Redis;

/// <summary>Every key Scout writes, under one prefix, as plain strings (never JSON documents).</summary>
public static class ScoutKeys
{
    public const string Prefix = "scout:";

    public static string Snapshot(string window) => $"{Prefix}snapshot:{window}";

    public static string TimerStatus(string function) => $"{Prefix}timer:{function}:status";

    public static string Lease(string function) => $"{Prefix}lease:{function}";

    public static string AlertCooldown(string rule) => $"{Prefix}alert:cooldown:{rule}";
}
