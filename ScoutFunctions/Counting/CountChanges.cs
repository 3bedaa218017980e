namespace Scout.Counting;

/// <summary>One document's new record, or null when it is gone (deleted, expired, or no longer in the index).</summary>
public sealed record RecordChange(string Key, MessageRecord? Record);

/// <summary>
/// What one batch does to a generation of counts, decided by <see cref="CountingModel"/> and written as it is by
/// <see cref="CountStore.CommitAsync"/>: nothing here needs Redis to be computed, and nothing in Redis is computed elsewhere.
/// </summary>
public sealed class CountChanges
{
    /// <summary>Document → its record from now on (null: the record is removed).</summary>
    public Dictionary<string, MessageRecord?> Records { get; } = new(StringComparer.Ordinal);

    /// <summary>Minute name → the documents that leave it (removed before <see cref="MinuteEntries"/> are added).</summary>
    public Dictionary<string, List<string>> MinuteExits { get; } = new(StringComparer.Ordinal);

    /// <summary>Minute name → document → group: the documents that enter it.</summary>
    public Dictionary<string, Dictionary<string, string>> MinuteEntries { get; } = new(StringComparer.Ordinal);

    /// <summary>Minute name → group → increment: each minute's counts (what a window loses as it slides, and the timeline).</summary>
    public Dictionary<string, Dictionary<string, long>> MinuteCounts { get; } = new(StringComparer.Ordinal);

    /// <summary>Window → group → increment (the window "all" included).</summary>
    public Dictionary<string, Dictionary<string, long>> WindowCounts { get; } = new(StringComparer.Ordinal);

    /// <summary>The minutes that now hold a message, to be found by range.</summary>
    public SortedSet<long> Minutes { get; } = [];

    /// <summary>Window → its new first minute (a slide), or empty.</summary>
    public Dictionary<string, long> Starts { get; } = new(StringComparer.Ordinal);

    public bool IsEmpty => Records.Count == 0 && Starts.Count == 0 && WindowCounts.Count == 0;

    internal void Count(string window, string group, long delta) => Add(WindowCounts, window, group, delta);

    internal void CountMinute(string minute, string group, long delta) => Add(MinuteCounts, minute, group, delta);

    private static void Add(Dictionary<string, Dictionary<string, long>> sums, string outer, string group, long delta)
    {
        if (!sums.TryGetValue(outer, out var groups)) sums[outer] = groups = new(StringComparer.Ordinal);
        var sum = groups.GetValueOrDefault(group) + delta;
        if (sum == 0) groups.Remove(group);
        else groups[group] = sum;
        if (groups.Count == 0) sums.Remove(outer);
    }
}
