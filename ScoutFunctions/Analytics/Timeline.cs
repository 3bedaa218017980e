using System.Globalization;
using Scout.Configuration;
using Scout.Counting;

namespace Scout.Analytics;

/// <summary>
/// What one aggregation cycle stores for the timeline: each minute's severity counts from the earliest window start on
/// (minutes with no message left out), and each window's start, read in the same transaction as the windows' counts.
/// One snapshot serves every window and step: the HTTP function slices it per request (<see cref="Timeline.Slice"/>).
/// </summary>
public sealed record TimelineSnapshot(
    DateTimeOffset GeneratedAt,
    IReadOnlyDictionary<string, long> Starts,
    IReadOnlyList<TimelineMinute> Minutes);

/// <summary>The messages of one Unix minute (Unix seconds / 60) by lower-cased severity.</summary>
public sealed record TimelineMinute(long Minute, IReadOnlyDictionary<string, long> SeverityCounts);

/// <summary>GET /analytics/timeline: the window's messages by severity, one point per step, ascending and contiguous.</summary>
public sealed record TimelineView(string TimeWindow, string Step, string WindowStart, string LastUpdated, IReadOnlyList<TimelinePoint> Points);

/// <summary>The messages from <see cref="Start"/> to the next point's start (the last point: to lastUpdated, and later).</summary>
public sealed record TimelinePoint(string Start, long Total, IReadOnlyDictionary<string, long> SeverityCounts);

/// <summary>Builds the timeline snapshot and slices it; plain code, no I/O.</summary>
public static class Timeline
{
    /// <summary>The most points one answer holds.</summary>
    public const int MaxPoints = 1440;

    /// <summary>About how many points the default step gives.</summary>
    public const int DefaultPoints = 60;

    public const string DefaultWindow = "1h";

    public const string StepForm = "a Go duration of whole minutes such as 1m, 5m or 1h30m";

    /// <summary>The snapshot of the minutes read from the counts (minute → group or severity → count), summed by severity.</summary>
    public static TimelineSnapshot Build(DateTimeOffset at, IReadOnlyDictionary<string, long> starts, IReadOnlyDictionary<long, Dictionary<string, long>> minutes)
    {
        var list = new List<TimelineMinute>();
        foreach (var (minute, groups) in minutes.OrderBy(m => m.Key))
        {
            var severities = MessageRecord.BySeverity(groups);
            if (severities.Count > 0)
                list.Add(new TimelineMinute(minute, severities.OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal)));
        }
        return new TimelineSnapshot(at, new Dictionary<string, long>(starts, StringComparer.Ordinal), list);
    }

    /// <summary>The default step of a window: its length over about <see cref="DefaultPoints"/> points, in whole minutes (at least one).</summary>
    public static int DefaultStep(AnalyticsWindow window) => (int)Math.Max(1, Math.Round(window.Length.TotalMinutes / DefaultPoints, MidpointRounding.AwayFromZero));

    /// <summary>The minutes from the window's start minute to the minute of the cycle: its start is the minute of (cycle − length).</summary>
    public static long Span(AnalyticsWindow window) => (long)Math.Ceiling(window.Length.TotalMinutes);

    /// <summary>How many points a step gives over the window: one per step from its start minute to the cycle's minute, both included.</summary>
    public static long Points(long span, int step) => span / step + 1;

    /// <summary>
    /// The step asked for, in minutes, or why it cannot be served: not a Go duration, not a whole number of minutes, not
    /// positive, longer than the window or giving more than <see cref="MaxPoints"/> points. Empty: <see cref="DefaultStep"/>.
    /// </summary>
    public static bool TryStep(string? text, AnalyticsWindow window, out int minutes, out string? error)
    {
        minutes = 0;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            minutes = DefaultStep(window);
            return true;
        }
        var span = Span(window);
        var fewest = span / MaxPoints + 1;
        var accepted = $"step must be {StepForm}, positive, at most the window ({window.Name}) and giving at most {MaxPoints} points " +
                       $"(for {window.Name}: from {Format((int)Math.Min(fewest, span))} to {Format((int)span)})";
        var shown = text.Length <= 32 ? text : text[..32] + "…";
        if (!GoDuration.TryParse(text, out var step))
            error = $"invalid step \"{shown}\": not a Go duration; {accepted}";
        else if (step <= TimeSpan.Zero)
            error = $"invalid step \"{shown}\": not positive; {accepted}";
        else if (step.Ticks % TimeSpan.TicksPerMinute != 0)
            error = $"invalid step \"{shown}\": not a whole number of minutes; {accepted}";
        else if (step > window.Length)
            error = $"invalid step \"{shown}\": longer than the window; {accepted}";
        else if (Points(span, (int)step.TotalMinutes) > MaxPoints)
            error = $"invalid step \"{shown}\": gives {Points(span, (int)step.TotalMinutes)} points, more than {MaxPoints}; {accepted}";
        else
            minutes = (int)step.TotalMinutes;
        return error is null;
    }

    /// <summary>A whole number of minutes as a Go duration: 1m, 24m, 1h, 1h30m.</summary>
    public static string Format(int minutes)
    {
        var hours = minutes / 60;
        var rest = minutes % 60;
        return (hours > 0 ? hours.ToString(CultureInfo.InvariantCulture) + "h" : "") +
               (rest > 0 || hours == 0 ? rest.ToString(CultureInfo.InvariantCulture) + "m" : "");
    }

    /// <summary>
    /// The window's points: one per step from the window's start minute (as the summary's windowStart) to the cycle's
    /// minute, empty steps included. A window counts every message from its start minute on, so messages with a later
    /// minute than the cycle's (timestamps in the future) are added to the last point: the points always add up to the
    /// summary's totalMessages of the same cycle. Messages whose timestamp does not parse count in "all" only, which
    /// has no timeline.
    /// </summary>
    public static TimelineView Slice(TimelineSnapshot snapshot, string window, int step)
    {
        var start = snapshot.Starts[window];
        var last = MessageRecord.MinuteOf(snapshot.GeneratedAt);
        var count = (int)Points(Math.Max(0, last - start), step);
        var sums = new SortedDictionary<string, long>[count];
        for (var i = 0; i < count; i++) sums[i] = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var minute in snapshot.Minutes)
        {
            if (minute.Minute < start) continue;
            var point = (int)Math.Min((minute.Minute - start) / step, count - 1);
            foreach (var (severity, n) in minute.SeverityCounts) sums[point][severity] = sums[point].GetValueOrDefault(severity) + n;
        }
        var points = sums.Select((s, i) => new TimelinePoint(
            MessageTimestamp.Rfc3339(DateTimeOffset.FromUnixTimeSeconds((start + (long)i * step) * 60)),
            s.Values.Sum(),
            new Dictionary<string, long>(s, StringComparer.Ordinal))).ToList();
        return new TimelineView(window, Format(step), MessageTimestamp.Rfc3339(DateTimeOffset.FromUnixTimeSeconds(start * 60)),
            MessageTimestamp.Rfc3339(snapshot.GeneratedAt), points);
    }
}
