using System.Globalization;
using System.Text.RegularExpressions;
using Scout.Search;

namespace Scout.Counting;

/// <summary>
/// What one message adds to the counts: the minute of its timestamp (Unix minutes; null when the timestamp does not
/// parse, so it counts in "all" only), its lower-cased severity and its system.
/// </summary>
public readonly record struct MessageRecord(long? Minute, string Severity, string System)
{
    /// <summary>Between the parts of a stored record and group: a control character no severity or system name carries.</summary>
    public const char Separator = '\u001f';

    /// <summary>The minute name of messages whose timestamp does not parse.</summary>
    public const string NoMinute = "-";

    /// <summary>The count group (severity and system) this message belongs to.</summary>
    public string Group => Severity + Separator + System;

    /// <summary>The minute as it names the minute's key: its number, or "-" for unparseable timestamps.</summary>
    public string MinuteName => Minute?.ToString(CultureInfo.InvariantCulture) ?? NoMinute;

    public string Encode() => MinuteName + Separator + Group;

    public static MessageRecord? Decode(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var parts = text.Split(Separator, 3);
        if (parts.Length != 3) return null;
        long? minute = parts[0] == NoMinute ? null : long.Parse(parts[0], CultureInfo.InvariantCulture);
        return new MessageRecord(minute, parts[1], parts[2]);
    }

    public static (string Severity, string System) SplitGroup(string group)
    {
        var at = group.IndexOf(Separator);
        return at < 0 ? (group, "") : (group[..at], group[(at + 1)..]);
    }

    /// <summary>Positive counts by group summed by severity (a key without a system counts as its severity).</summary>
    public static Dictionary<string, long> BySeverity(IEnumerable<KeyValuePair<string, long>> groups)
    {
        var severities = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (group, count) in groups)
        {
            if (count <= 0) continue;
            var severity = SplitGroup(group).Severity;
            severities[severity] = severities.GetValueOrDefault(severity) + count;
        }
        return severities;
    }

    public static MessageRecord From(MessageFields fields, TimestampKind kind) => new(
        MessageTimestamp.TryParse(fields.Timestamp, kind, out var instant) ? MinuteOf(instant) : null,
        string.IsNullOrEmpty(fields.Severity) ? "unknown" : fields.Severity.ToLowerInvariant(),
        fields.System ?? "");

    public static long MinuteOf(DateTimeOffset instant) => (long)Math.Floor(instant.ToUnixTimeSeconds() / 60d);
}

/// <summary>Reads a message timestamp as the producers write it: RFC 3339 text, or Unix seconds on the hash path.</summary>
public static partial class MessageTimestamp
{
    /// <summary>The form Scout writes every instant in, like the Go service: RFC 3339, UTC, whole seconds ("2026-03-11T12:00:59Z").</summary>
    public static string Rfc3339(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static readonly double MinUnixSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly double MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    public static bool TryParse(string? text, TimestampKind kind, out DateTimeOffset instant)
    {
        instant = default;
        if (text is not { Length: > 0 }) return false;
        if (kind == TimestampKind.Numeric)
        {
            // Beyond the calendar (or NaN) names no instant.
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                || !(seconds >= MinUnixSeconds && seconds <= MaxUnixSeconds)) return false;
            instant = DateTimeOffset.UnixEpoch.AddSeconds(seconds);
            return true;
        }
        // Only RFC 3339 (as Go's time.RFC3339 parsing accepted it): a lenient parse would place e.g. "2020-01-01" or
        // "01/02/2020" on a guess. Offsets count (the engine's parsetime ignores them).
        return Rfc3339().IsMatch(text)
               && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant);
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
