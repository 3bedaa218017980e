namespace Scout.Counting;

/// <summary>
/// What a full pass found the live counts had wrong, page by page: documents they missed, documents they hold with
/// another record, and (by count) records of documents the index no longer has. Documents the stream named during the
/// pass are left out: both generations took those in from the stream, at different moments. Pure bookkeeping.
/// </summary>
public sealed class GenerationComparison
{
    private readonly HashSet<string> _missed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _wrong = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);

    /// <summary>A page of the pass beside what the live counts hold of the same documents (null: none).</summary>
    public void ComparePage(IReadOnlyList<RecordChange> page, IReadOnlyList<MessageRecord?> live)
    {
        for (var i = 0; i < page.Count; i++)
        {
            if (live[i] is null) _missed.Add(page[i].Key);
            else if (live[i] != page[i].Record) _wrong.Add(page[i].Key);
        }
    }

    /// <summary>Documents the stream named while the pass read.</summary>
    public void Changed(IEnumerable<string> documents) => _changed.UnionWith(documents);

    /// <summary>
    /// The corrections, given how many records each generation holds once both took in the stream to the same entry: the
    /// new one holds every document and none other, so the live records it lacks are the live count plus those missed less its own.
    /// </summary>
    public (long Missed, long Wrong, long Extra) Corrections(long liveRecords, long newRecords)
    {
        var missed = _missed.Count(k => !_changed.Contains(k));
        var wrong = _wrong.Count(k => !_changed.Contains(k));
        return (missed, wrong, Math.Max(0, liveRecords + missed - newRecords));
    }
}
