using Cronos;
using Scout.Configuration;

namespace Scout.Hosting;

/// <summary>
/// A timer function's schedule in Azure Functions syntax: NCRONTAB with seconds ("0 */5 * * * *"),
/// a TimeSpan ("00:01:00"), or a %SETTING% naming either; plus Go durations ("60s") for SCOUT_INTERVAL.
/// </summary>
public abstract class TimerSchedule
{
    public const string AcceptedForm =
        "an NCRONTAB expression with seconds (0 */5 * * * *), a TimeSpan (00:01:00) or a Go duration (60s)";

    public abstract DateTimeOffset GetNext(DateTimeOffset after);

    public static TimerSchedule Parse(string expression, IConfiguration settings)
    {
        var text = expression.Trim();
        var source = "schedule";
        if (text.Length > 2 && text.StartsWith('%') && text.EndsWith('%'))
        {
            source = text[1..^1];
            text = settings[source]?.Trim() ?? throw new ConfigurationError(source, null, AcceptedForm);
        }
        if (text.Any(char.IsWhiteSpace))
        {
            var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (CronExpression.TryParse(string.Join(' ', fields), fields.Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard, out var cron))
                return new CronTimerSchedule(cron, text);
        }
        // A bare number would be a TimeSpan in days ("10" = ten days): almost surely meant as seconds, so refused.
        else if (text.Contains(':') && TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
            return new IntervalTimerSchedule(span, text);
        else if (GoDuration.TryParse(text, out var duration) && duration > TimeSpan.Zero)
            return new IntervalTimerSchedule(duration, text);
        throw new ConfigurationError(source, text, AcceptedForm);
    }
}

public sealed class CronTimerSchedule(CronExpression cron, string text) : TimerSchedule
{
    public override DateTimeOffset GetNext(DateTimeOffset after) =>
        cron.GetNextOccurrence(after, TimeZoneInfo.Utc) ?? DateTimeOffset.MaxValue;

    public override string ToString() => text;
}

/// <summary>Runs every <paramref name="interval"/> after the previous occurrence, like a Functions TimeSpan schedule.</summary>
public sealed class IntervalTimerSchedule(TimeSpan interval, string text) : TimerSchedule
{
    public TimeSpan Interval { get; } = interval;

    public override DateTimeOffset GetNext(DateTimeOffset after) => after + Interval;

    public override string ToString() => text;
}
