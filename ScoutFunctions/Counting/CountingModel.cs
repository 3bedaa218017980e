using Scout.Configuration;

namespace Scout.Counting;

/// <summary>
/// The counting rules, with no Redis, clock or I/O: what a batch of changed documents, a slide of the windows or a
/// comparison of two generations does to the counts. The store reads what a rule needs and writes what it returns.
/// </summary>
public static class CountingModel
{
    /// <summary>
    /// The changes that bring counts holding <paramref name="held"/> (every batch document's stored record, null where
    /// none is held) to the batch's records. The last change of a document wins; one already held as it is changes
    /// nothing, so a batch applied twice (a replay) counts once.
    /// </summary>
    public static CountChanges Apply(IReadOnlyDictionary<string, MessageRecord?> held, IEnumerable<RecordChange> batch,
        IReadOnlyDictionary<string, long> starts)
    {
        var final = new Dictionary<string, MessageRecord?>(StringComparer.Ordinal);
        foreach (var change in batch) final[change.Key] = change.Record;
        var changes = new CountChanges();
        foreach (var (document, record) in final)
        {
            var old = held.GetValueOrDefault(document);
            if (old == record) continue;
            changes.Records[document] = record;
            if (old is { } leaving) Leave(changes, document, leaving, starts);
            if (record is { } entering) Enter(changes, document, entering, starts);
        }
        return changes;
    }

    private static void Leave(CountChanges changes, string document, MessageRecord record, IReadOnlyDictionary<string, long> starts)
    {
        Bucket(changes.MinuteExits, record.MinuteName).Add(document);
        changes.CountMinute(record.MinuteName, record.Group, -1);
        CountInWindows(changes, record, starts, -1);
    }

    private static void Enter(CountChanges changes, string document, MessageRecord record, IReadOnlyDictionary<string, long> starts)
    {
        if (!changes.MinuteEntries.TryGetValue(record.MinuteName, out var entries))
            changes.MinuteEntries[record.MinuteName] = entries = new(StringComparer.Ordinal);
        entries[document] = record.Group;
        changes.CountMinute(record.MinuteName, record.Group, +1);
        if (record.Minute is { } minute) changes.Minutes.Add(minute);
        CountInWindows(changes, record, starts, +1);
    }

    /// <summary>"all" counts every message; a window those from its first minute on (timestamps that do not parse: "all" only).</summary>
    private static void CountInWindows(CountChanges changes, MessageRecord record, IReadOnlyDictionary<string, long> starts, long delta)
    {
        changes.Count(AnalyticsWindow.AllName, record.Group, delta);
        if (record.Minute is not { } minute) return;
        foreach (var (window, start) in starts)
            if (minute >= start) changes.Count(window, record.Group, delta);
    }

    /// <summary>
    /// The minutes each window leaves when its start moves from <paramref name="current"/> to <paramref name="wanted"/>
    /// (a window new to <paramref name="current"/> or moving backwards cannot slide: null, a full pass counts it).
    /// </summary>
    public static Dictionary<string, (long From, long To)>? SlideRanges(IReadOnlyDictionary<string, long> current, IReadOnlyDictionary<string, long> wanted)
    {
        var ranges = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var (window, to) in wanted)
        {
            if (!current.TryGetValue(window, out var from) || to < from) return null;
            if (to > from) ranges[window] = (from, to);
        }
        return ranges;
    }

    /// <summary>
    /// The changes that move the windows' starts along <paramref name="ranges"/>, given the counts of the minutes they
    /// leave (minute → group → count; a minute missing holds nothing).
    /// </summary>
    public static CountChanges Slide(IReadOnlyDictionary<string, (long From, long To)> ranges,
        IReadOnlyDictionary<long, IReadOnlyDictionary<string, long>> minuteCounts)
    {
        var changes = new CountChanges();
        foreach (var (window, (from, to)) in ranges)
        {
            changes.Starts[window] = to;
            foreach (var (minute, groups) in minuteCounts)
            {
                if (minute < from || minute >= to) continue;
                foreach (var (group, count) in groups) changes.Count(window, group, -count);
            }
        }
        return changes;
    }

    /// <summary>The first minute each window counts at an instant: the minute of (now − length).</summary>
    public static Dictionary<string, long> StartsAt(IEnumerable<AnalyticsWindow> windows, DateTimeOffset now) =>
        windows.ToDictionary(w => w.Name, w => MessageRecord.MinuteOf(now - w.Length));

    private static List<T> Bucket<T>(Dictionary<string, List<T>> buckets, string name)
    {
        if (!buckets.TryGetValue(name, out var list)) buckets[name] = list = [];
        return list;
    }
}
