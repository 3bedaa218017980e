using Scout.Configuration;
using Scout.Counting;

namespace Scout.Tests.Unit.Counting;

/// <summary>
/// A generation of counts held in memory, changed only by applying <see cref="CountChanges"/> the way
/// <see cref="CountStore.CommitAsync"/> writes them to Redis (exits before entries; increments; starts set). With
/// <see cref="Recount"/>, an oracle that knows nothing of the model: counts straight from the documents.
/// </summary>
public sealed class InMemoryCounts(IReadOnlyDictionary<string, long> starts)
{
    public Dictionary<string, MessageRecord> Records { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Dictionary<string, string>> MinuteDocuments { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Dictionary<string, long>> MinuteCounts { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Dictionary<string, long>> Windows { get; } = new(StringComparer.Ordinal);
    public SortedSet<long> Minutes { get; } = [];
    public Dictionary<string, long> Starts { get; } = new(starts, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, MessageRecord?> Held(IEnumerable<string> documents) =>
        documents.Distinct().ToDictionary(d => d, d => Records.TryGetValue(d, out var r) ? r : (MessageRecord?)null);

    public void Apply(CountChanges changes)
    {
        foreach (var (minute, documents) in changes.MinuteExits)
            foreach (var document in documents) MinuteDocuments.GetValueOrDefault(minute)?.Remove(document);
        foreach (var (minute, entries) in changes.MinuteEntries)
            foreach (var (document, group) in entries) Inner(MinuteDocuments, minute)[document] = group;
        foreach (var (document, record) in changes.Records)
            if (record is { } r) Records[document] = r;
            else Records.Remove(document);
        Minutes.UnionWith(changes.Minutes);
        Increment(MinuteCounts, changes.MinuteCounts);
        Increment(Windows, changes.WindowCounts);
        foreach (var (window, start) in changes.Starts) Starts[window] = start;
    }

    /// <summary>The counts of the minutes the ranges span, as the store reads them for a slide (one range from the first start to the last).</summary>
    public IReadOnlyDictionary<long, IReadOnlyDictionary<string, long>> MinuteCountsIn(IReadOnlyDictionary<string, (long From, long To)> ranges) =>
        Minutes.Where(m => ranges.Count > 0 && m >= ranges.Values.Min(r => r.From) && m < ranges.Values.Max(r => r.To))
            .ToDictionary(m => m, m => (IReadOnlyDictionary<string, long>)(MinuteCounts.GetValueOrDefault(m.ToString()) ?? []));

    /// <summary>Non-zero counts only, sorted: what a snapshot shows.</summary>
    public static SortedDictionary<string, SortedDictionary<string, long>> Shown(Dictionary<string, Dictionary<string, long>> counts) =>
        new(counts.Select(c => (c.Key, new SortedDictionary<string, long>(c.Value.Where(g => g.Value != 0).ToDictionary(), StringComparer.Ordinal)))
            .Where(c => c.Item2.Count > 0).ToDictionary(c => c.Key, c => c.Item2), StringComparer.Ordinal);

    /// <summary>The windows' counts straight from the documents: "all" every record, a window those from its start.</summary>
    public static SortedDictionary<string, SortedDictionary<string, long>> Recount(IReadOnlyDictionary<string, MessageRecord> documents,
        IReadOnlyDictionary<string, long> starts)
    {
        var counts = new Dictionary<string, Dictionary<string, long>>();
        foreach (var record in documents.Values)
        {
            Add(counts, AnalyticsWindow.AllName, record.Group);
            foreach (var (window, start) in starts)
                if (record.Minute >= start) Add(counts, window, record.Group);
        }
        return Shown(counts);
    }

    /// <summary>Each minute's counts straight from the documents.</summary>
    public static SortedDictionary<string, SortedDictionary<string, long>> RecountMinutes(IReadOnlyDictionary<string, MessageRecord> documents)
    {
        var counts = new Dictionary<string, Dictionary<string, long>>();
        foreach (var record in documents.Values) Add(counts, record.MinuteName, record.Group);
        return Shown(counts);
    }

    private static void Add(Dictionary<string, Dictionary<string, long>> counts, string outer, string group)
    {
        var inner = Inner(counts, outer);
        inner[group] = inner.GetValueOrDefault(group) + 1;
    }

    private static void Increment(Dictionary<string, Dictionary<string, long>> into, Dictionary<string, Dictionary<string, long>> by)
    {
        foreach (var (outer, groups) in by)
            foreach (var (group, delta) in groups)
            {
                var inner = Inner(into, outer);
                inner[group] = inner.GetValueOrDefault(group) + delta;
            }
    }

    private static Dictionary<string, TValue> Inner<TValue>(Dictionary<string, Dictionary<string, TValue>> outer, string key)
    {
        if (!outer.TryGetValue(key, out var inner)) outer[key] = inner = new(StringComparer.Ordinal);
        return inner;
    }
}
