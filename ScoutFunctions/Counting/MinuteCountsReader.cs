namespace Scout.Counting;

/// <summary>
/// Reads the windows' counts with the minutes' counts a cycle's timeline is made of, holding the minutes between
/// cycles: after one read of every minute (up to 1,440 for a 24h window) a cycle reads only the minutes that writes
/// changed since (those of its own page, or of another replica's), so its cost follows what changed, not what is held.
/// Everything is read again when the generation changes, the version went back (counts rebuilt from nothing), the
/// longest window grows, or <see cref="FullReadEvery"/> has passed (a bound on any drift, such as writes of an older
/// version that did not record the minutes they changed). It holds each minute's counts by severity (what a timeline
/// shows): a few entries per minute, not one per severity and system.
/// </summary>
public sealed class MinuteCountsReader(CountStore store, TimeProvider time)
{
    public static readonly TimeSpan FullReadEvery = TimeSpan.FromMinutes(10);

    private readonly SemaphoreSlim _one = new(1, 1);
    private SortedDictionary<long, Dictionary<string, long>> _minutes = [];
    private (long Generation, long Version, long FromMinute, DateTimeOffset FullAt)? _held;

    /// <summary>The windows' counts (group → count) and, from <paramref name="fromMinute"/> on, each minute's counts by severity.</summary>
    public async Task<WindowsAndMinutes> ReadAsync(CountKeys keys, IReadOnlyList<string> windows, long fromMinute)
    {
        await _one.WaitAsync();
        try
        {
            if (_held is { } held && held.Generation == keys.Generation && fromMinute >= held.FromMinute && time.GetUtcNow() - held.FullAt < FullReadEvery)
            {
                var changed = await store.ReadWindowsAndMinutesAsync(keys, windows, fromMinute, held.Version);
                if (changed.Version >= held.Version) return Take(changed, keys, fromMinute, held.FullAt, full: false);
            }
            return Take(await store.ReadWindowsAndMinutesAsync(keys, windows, fromMinute), keys, fromMinute, time.GetUtcNow(), full: true);
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>Merges a read into the minutes held (a full read replaces them) and returns the read with every minute held from <paramref name="fromMinute"/> on.</summary>
    private WindowsAndMinutes Take(WindowsAndMinutes read, CountKeys keys, long fromMinute, DateTimeOffset fullAt, bool full)
    {
        if (full) _minutes = [];
        foreach (var (minute, groups) in read.Minutes) _minutes[minute] = MessageRecord.BySeverity(groups);
        foreach (var old in _minutes.Keys.TakeWhile(m => m < fromMinute).ToList()) _minutes.Remove(old);
        // A read that may have missed a minute is not built on: the next one starts from the version held before it
        // (incremental) or reads everything again (full).
        _held = read.Complete ? (keys.Generation, read.Version, fromMinute, fullAt)
            : full ? null : _held!.Value with { FromMinute = fromMinute };
        return read with { Minutes = new(_minutes) };
    }
}
