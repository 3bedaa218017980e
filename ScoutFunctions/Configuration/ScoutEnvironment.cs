using System.Globalization;
using FunctionsSelfHost.Settings;
using FunctionsSelfHost.Timers;

namespace Scout.Configuration;

/// <summary>Reads the Go service's environment variables (and SCOUT_* additions) into <see cref="ScoutOptions"/>.</summary>
public static partial class ScoutEnvironment
{
    public static ScoutOptions Load(IConfiguration config)
    {
        var options = new ScoutOptions();
        Bind(config, options);
        return options;
    }

    public static void Bind(IConfiguration config, ScoutOptions o)
    {
        o.Port = Int(config, "PORT", o.Port, 1, 65535);
        o.RedisAddr = Text(config, "REDIS_ADDR", o.RedisAddr);
        o.RedisPort = Int(config, "REDIS_PORT", o.RedisPort, 1, 65535);
        o.RedisPassword = config["REDIS_PASSWORD"] ?? "";
        BindRedisAccess(config, o);
        o.Index = Text(config, "REDISEARCH_INDEX", o.Index);
        o.OwnIndex = Bool(config, "SCOUT_OWN_INDEX", o.OwnIndex);
        o.IntervalText = Text(config, "SCOUT_INTERVAL", o.IntervalText);
        o.Interval = Interval(config, "SCOUT_INTERVAL", o.Interval);
        o.ProfileName = config["SCOUT_PROFILE_NAME"]?.Trim() ?? "";
        o.ProfileWatch = Bool(config, "SCOUT_PROFILE_WATCH", o.ProfileWatch);
        o.RetentionTtl = PositiveDuration(config, "SCOUT_RETENTION_TTL", o.RetentionTtl);
        o.RetentionEnabled = Bool(config, "SCOUT_RETENTION_ENABLED", o.RetentionEnabled);
        o.RetentionApproximate = Bool(config, "SCOUT_RETENTION_APPROX", o.RetentionApproximate);
        o.RetentionMaxDeletes = Int(config, "SCOUT_RETENTION_MAX_DELETES", o.RetentionMaxDeletes, 1, int.MaxValue);
        o.Stream = Text(config, "SCOUT_STREAM", o.Index);
        o.AuthToken = config["AUTH_TOKEN"] ?? "";
        o.LogFormat = Choice(config, "LOG_FORMAT", o.LogFormat, ("json", LogFormat.Json), ("text", LogFormat.Text));
        o.LogLevel = Choice(config, "LOG_LEVEL", o.LogLevel,
            ("debug", LogLevel.Debug), ("info", LogLevel.Information), ("warn", LogLevel.Warning), ("error", LogLevel.Error));
        o.PitcherUrl = HttpUrl(config, "ALERT_PITCHER_URL");
        o.PitcherToken = config["ALERT_PITCHER_TOKEN"] ?? "";
        o.ErrorThreshold = Int(config, "ALERT_ERROR_THRESHOLD", o.ErrorThreshold, 0, int.MaxValue);
        o.CriticalThreshold = Int(config, "ALERT_CRITICAL_THRESHOLD", o.CriticalThreshold, 0, int.MaxValue);
        o.Cooldown = PositiveDuration(config, "ALERT_COOLDOWN", o.Cooldown);
        o.QueryTimeout = PositiveDuration(config, "SCOUT_QUERY_TIMEOUT", o.QueryTimeout);
        o.ReconcileInterval = PositiveDuration(config, "SCOUT_RECONCILE_INTERVAL", o.ReconcileInterval);
        o.AlertTimeout = PositiveDuration(config, "ALERT_TIMEOUT", o.AlertTimeout);
        o.AlertRetries = Int(config, "ALERT_RETRIES", o.AlertRetries, 1, 10);
        (o.Windows, o.AlertWindow) = WindowsWithAlertWindow(config);
        foreach (var schedule in new[] { "ALERT_SCHEDULE", "SCOUT_RETENTION_SCHEDULE" })
            if (Raw(config, schedule) is not null) ScoutSchedules.Conventions.Parse($"%{schedule}%", config);
    }

    private static string? Raw(IConfiguration config, string name)
    {
        var value = config[name];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private static string Text(IConfiguration config, string name, string fallback) => Raw(config, name) ?? fallback;

    private static int Int(IConfiguration config, string name, int fallback, int min, int max)
    {
        var raw = Raw(config, name);
        if (raw is null) return fallback;
        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        throw new ConfigurationError(name, raw, $"an integer from {min} to {max}");
    }

    /// <summary>
    /// A Go duration like the Go service's, or a schedule in a form the Functions host accepts for the timer that
    /// runs on it (hh:mm:ss, or NCRONTAB, whose period then counts as the interval), so one value serves both hosts.
    /// </summary>
    private static TimeSpan Interval(IConfiguration config, string name, TimeSpan fallback)
    {
        var raw = Raw(config, name);
        if (raw is null || GoDuration.TryParse(raw, out _)) return PositiveDuration(config, name, fallback);
        try
        {
            switch (ScoutSchedules.Conventions.Parse(raw, config))
            {
                case IntervalTimerSchedule interval:
                    return interval.Interval;
                case var cron:
                    var next = cron.GetNext(DateTimeOffset.UtcNow);
                    var period = cron.GetNext(next) - next;
                    if (period > TimeSpan.Zero && next != DateTimeOffset.MaxValue) return period;
                    break;
            }
        }
        catch (ConfigurationError)
        {
        }
        return PositiveDuration(config, name, fallback);
    }

    private static TimeSpan PositiveDuration(IConfiguration config, string name, TimeSpan fallback)
    {
        var raw = Raw(config, name);
        if (raw is null) return fallback;
        if (GoDuration.TryParse(raw, out var value) && value > TimeSpan.Zero) return value;
        throw new ConfigurationError(name, raw, GoDuration.AcceptedForm + " (greater than zero)");
    }

    // strconv.ParseBool's spellings, as the Go service accepted them.
    internal static bool Bool(IConfiguration config, string name, bool fallback)
    {
        var raw = Raw(config, name);
        return raw switch
        {
            null => fallback,
            "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
            "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
            _ => throw new ConfigurationError(name, raw, "true or false"),
        };
    }

    private static T Choice<T>(IConfiguration config, string name, T fallback, params (string Text, T Value)[] choices)
    {
        var raw = Raw(config, name);
        if (raw is null) return fallback;
        foreach (var (text, value) in choices)
            if (string.Equals(text, raw, StringComparison.OrdinalIgnoreCase)) return value;
        throw new ConfigurationError(name, raw, "one of " + string.Join(", ", choices.Select(c => c.Text)));
    }

    private static string HttpUrl(IConfiguration config, string name)
    {
        var raw = Raw(config, name);
        if (raw is null) return "";
        if (Uri.TryCreate(raw, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            return raw;
        throw new ConfigurationError(name, raw, "an absolute http:// or https:// URL");
    }

    /// <summary>SCOUT_WINDOWS, plus ALERT_WINDOW when it is not among them, so every cycle computes it too.</summary>
    private static (IReadOnlyList<AnalyticsWindow> Windows, string AlertWindow) WindowsWithAlertWindow(IConfiguration config)
    {
        var windows = Windows(config, "SCOUT_WINDOWS", "1h,24h").ToList();
        var raw = Raw(config, "ALERT_WINDOW") ?? "5m";
        if (raw == AnalyticsWindow.AllName) return (windows, raw);
        if (!GoDuration.TryParse(raw, out var length) || length <= TimeSpan.Zero)
            throw new ConfigurationError("ALERT_WINDOW", raw, GoDuration.AcceptedForm + " (greater than zero), or all");
        var existing = windows.FirstOrDefault(w => w.Length == length);
        if (existing is not null) return (windows, existing.Name);
        windows.Add(new AnalyticsWindow(raw, length));
        return (windows.OrderBy(w => w.Length).ToList(), raw);
    }

    private static IReadOnlyList<AnalyticsWindow> Windows(IConfiguration config, string name, string fallback)
    {
        var raw = config[name] ?? fallback;
        const string accepted = "a comma-separated list of distinct Go durations greater than zero, such as 1h,24h (or empty for none)";
        var windows = new List<AnalyticsWindow>();
        foreach (var part in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!GoDuration.TryParse(part, out var length) || length <= TimeSpan.Zero || windows.Any(w => w.Length == length || w.Name == part))
                throw new ConfigurationError(name, raw, accepted);
            windows.Add(new AnalyticsWindow(part, length));
        }
        return windows.OrderBy(w => w.Length).ToList();
    }
}
