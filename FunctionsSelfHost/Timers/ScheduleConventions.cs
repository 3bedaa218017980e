using Microsoft.Extensions.Configuration;

namespace FunctionsSelfHost.Timers;

/// <summary>Reads an interval in an app's own notation (say, Go durations such as "60s"); false when the text is not one.</summary>
public delegate bool TryParseInterval(string text, out TimeSpan interval);

/// <summary>An interval notation a schedule may use besides NCRONTAB and TimeSpan, and how it is described in errors.</summary>
public sealed record IntervalForm(string Description, TryParseInterval TryParse);

/// <summary>
/// How an app's schedules read beyond what the Functions host accepts: settings that, left unset or empty, mean another
/// one's (a "%SETTING%" schedule then follows its fallback), and one more interval notation. The Functions host has
/// neither, so under it such settings must be set.
/// </summary>
public sealed record ScheduleConventions(IReadOnlyDictionary<string, string> Fallbacks, IntervalForm? ExtraInterval = null)
{
    public static ScheduleConventions None { get; } = new(new Dictionary<string, string>());

    /// <summary>A timer trigger's schedule as the self-host follows it: "%SETTING%" becomes its fallback's when the setting is unset or empty.</summary>
    public string EffectiveSchedule(string schedule, IConfiguration settings)
    {
        var text = schedule.Trim();
        if (text.Length > 2 && text[0] == '%' && text[^1] == '%' && Fallbacks.TryGetValue(text[1..^1], out var fallback)
            && string.IsNullOrWhiteSpace(settings[text[1..^1]]))
            return $"%{fallback}%";
        return schedule;
    }

    public TimerSchedule Parse(string expression, IConfiguration settings) => TimerSchedule.Parse(expression, settings, ExtraInterval);
}
