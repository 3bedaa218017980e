using System.Globalization;
using Cronos;
using FunctionsSelfHost.Settings;
using Microsoft.Extensions.Configuration;

namespace FunctionsSelfHost.Timers;

/// <summary>
/// A timer function's schedule in Azure Functions syntax: NCRONTAB with seconds ("0 */5 * * * *"),
/// a TimeSpan ("00:01:00"), or a %SETTING% naming either; plus the app's own interval form, if it has one.
/// </summary>
public abstract class TimerSchedule
{
    public const string FunctionsForms = "an NCRONTAB expression with seconds (0 */5 * * * *)";

    public abstract DateTimeOffset GetNext(DateTimeOffset after);

    /// <summary>What a schedule may be, for error messages.</summary>
    public static string AcceptedForm(IntervalForm? extra) =>
        extra is null ? FunctionsForms + " or a TimeSpan (00:01:00)" : $"{FunctionsForms}, a TimeSpan (00:01:00) or {extra.Description}";

    public static TimerSchedule Parse(string expression, IConfiguration settings, IntervalForm? extra = null)
    {
        var text = expression.Trim();
        var source = "schedule";
        if (text.Length > 2 && text.StartsWith('%') && text.EndsWith('%'))
        {
            source = text[1..^1];
            text = settings[source]?.Trim() ?? throw new ConfigurationError(source, null, AcceptedForm(extra));
        }
        if (text.Any(char.IsWhiteSpace))
        {
            var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (CronExpression.TryParse(string.Join(' ', fields), fields.Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard, out var cron))
                return new CronTimerSchedule(cron, text);
        }
        // A bare number would be a TimeSpan in days ("10" = ten days): almost surely meant as seconds, so refused.
        else if (text.Contains(':') && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
            return new IntervalTimerSchedule(span, text);
        else if (extra is not null && extra.TryParse(text, out var interval) && interval > TimeSpan.Zero)
            return new IntervalTimerSchedule(interval, text);
        throw new ConfigurationError(source, text, AcceptedForm(extra));
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
