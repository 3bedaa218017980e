namespace Scout.Caching;

/// <summary>
/// Every time bound of the read path, in one place, with one name each. How they combine: a held value is answered at
/// once; after <see cref="FreshFor"/> the next request waits up to <see cref="RefreshWait"/> for its refresh, then is
/// answered from the held value while the one read in flight (limited to <see cref="ReadLimit"/>) completes in the
/// background. Only while nothing is held yet does a caller wait for the first read, for the shorter of
/// <see cref="FirstReadWait"/> and its own bound (<see cref="Liveness"/>, <see cref="UnavailableReason"/>,
/// <see cref="Scrape"/>). A value whose refreshes all fail is kept for <see cref="KeptWhileFailing"/>, its age shown.
/// </summary>
public static class ReadBounds
{
    /// <summary>How long a value is served before a request triggers its refresh (at most one Redis read per key per interval).</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1);

    /// <summary>The time limit of one read; a read past it fails, and the next request past <see cref="FreshFor"/> tries again.</summary>
    public static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(2);

    /// <summary>The longest any caller waits, only when nothing is held for its key.</summary>
    public static readonly TimeSpan FirstReadWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A request that finds an expired value waits this long for its refresh, then gets the held value: short enough not
    /// to be felt, long enough to serve a fresh value from a healthy Redis.
    /// </summary>
    public static readonly TimeSpan RefreshWait = TimeSpan.FromMilliseconds(20);

    /// <summary>How long a value is kept while every refresh fails.</summary>
    public static readonly TimeSpan KeptWhileFailing = TimeSpan.FromDays(30);

    /// <summary>/health answers within the probe's timeout whatever Redis does: its snapshot and timer reads wait at most this.</summary>
    public static readonly TimeSpan Liveness = TimeSpan.FromSeconds(1);

    /// <summary>An analytics 503 reads the aggregation's last outcome to say why, waiting at most this.</summary>
    public static readonly TimeSpan UnavailableReason = TimeSpan.FromSeconds(1);

    /// <summary>A scrape waits at most this for the held snapshots; a window with nothing held keeps its last gauge values.</summary>
    public static readonly TimeSpan Scrape = TimeSpan.FromSeconds(1);
}
