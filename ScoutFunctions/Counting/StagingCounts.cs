namespace Scout.Counting;

/// <summary>
/// A full pass's own generation while it is built: private to the pass, so its writes need no version; it keeps its
/// own stream cursor (where the pass has replayed the stream to) until the switch makes it the live one.
/// </summary>
public sealed class StagingCounts(CountStore store, CountKeys keys, IReadOnlyDictionary<string, long> starts, StreamCursor cursor) : ICountTarget
{
    public CountKeys Keys => keys;
    public IReadOnlyDictionary<string, long> Starts => starts;
    public StreamCursor Cursor { get; private set; } = cursor;

    /// <summary>Counts a page of the scan (a document read twice is one record, so nothing counts twice).</summary>
    public async Task ApplyAsync(IReadOnlyList<RecordChange> page)
    {
        var held = await store.ReadHeldAsync(keys, page.Select(c => c.Key));
        await store.CommitAsync(new CountWrite(keys, CountingModel.Apply(held, page, starts), Version: null));
    }

    public async Task<bool> WriteAsync(Func<CountTarget, Task<CountWrite?>> plan, CancellationToken cancellationToken)
    {
        if (await plan(new CountTarget(keys, null, Cursor, starts)) is not { } write) return true;
        // The state's cursor is the live counts': this generation's stays here until the switch.
        await store.CommitAsync(write with { MovesTo = null });
        Cursor = write.MovesTo ?? Cursor;
        return true;
    }
}
