using FunctionsSelfHost.Timers;

namespace Scout.Configuration;

/// <summary>How Scout's schedules read, for both hosts and for start-up validation: the Go service's conventions.</summary>
public static class ScoutSchedules
{
    /// <summary>The settings timer triggers refer to with %SETTING% and their defaults (the one place these defaults live: ScoutOptions).</summary>
    public static IReadOnlyDictionary<string, string?> SettingDefaults { get; } =
        new Dictionary<string, string?> { ["SCOUT_INTERVAL"] = new ScoutOptions().IntervalText };

    /// <summary>
    /// The Go service's ALERT_SCHEDULE and SCOUT_RETENTION_SCHEDULE default to SCOUT_INTERVAL, which may be a Go duration
    /// ("60s"). The Functions host knows neither, so under it these settings must be set (README "Functions").
    /// </summary>
    public static ScheduleConventions Conventions { get; } = new(
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["ALERT_SCHEDULE"] = "SCOUT_INTERVAL",
            ["SCOUT_RETENTION_SCHEDULE"] = "SCOUT_INTERVAL",
        },
        new IntervalForm("a Go duration (60s)", GoDuration.TryParse));
}
