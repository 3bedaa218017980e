namespace Scout.Search;

public enum IndexKeyType { Json, Hash }

/// <summary>How the index stores message timestamps: RFC 3339 text (JSON producer) or Unix seconds (hash producer).</summary>
public enum TimestampKind { Text, Numeric }

/// <summary>Whose index a cycle reads: the producer's, or Scout's own index of sortable values over the same documents.</summary>
public enum IndexSource { Producer, Scout }

public sealed record IndexDefinition(string Name, IndexKeyType KeyType, TimestampKind Timestamp, IndexSource Source = IndexSource.Producer);

/// <summary>One group of the windowed count: how many messages share severity, system and window bucket.</summary>
public sealed record WindowedCount(string Severity, string System, int Bucket, long Count);

/// <summary>
/// The windows of one aggregation cycle. Every document gets a bucket = the number of window cut-offs
/// its timestamp is at or after, so one grouped query feeds every window: with windows sorted
/// shortest first, a document is inside window i when bucket >= windowCount - i.
/// </summary>
public sealed record WindowPlan(IReadOnlyList<Scout.Configuration.AnalyticsWindow> Windows, DateTimeOffset Now)
{
    /// <summary>Unix-second cut-offs, in the same order as <see cref="Windows"/> (newest cut-off first).</summary>
    public IReadOnlyList<long> Cutoffs { get; } = Windows.Select(w => (Now - w.Length).ToUnixTimeSeconds()).ToList();

    public bool Contains(int bucket, int windowIndex) => bucket >= Windows.Count - windowIndex;
}

/// <summary>RediSearch did not finish within the query timeout, or returned partial rows.</summary>
public sealed class SearchTimeoutException(string message) : Exception(message);

/// <summary>The Redis server has no RediSearch module (FT.* is an unknown command), or refuses Scout the command.</summary>
public class SearchUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Redis answered NOPERM: Scout's user may not run the command (on Redis 8: may not read every key the index covers).</summary>
public sealed class SearchDeniedException(string message, Exception inner) : SearchUnavailableException(message, inner);

/// <summary>The only door to FT.* commands: index discovery, the fields of named documents, a scan of every document.</summary>
public interface ISearchIndex
{
    /// <summary>
    /// The index to read: Scout's own when it is enabled, matches the producer's and is fully built,
    /// else the producer's (created with its ON JSON schema when missing). Creates or follows Scout's own on the way.
    /// </summary>
    Task<IndexDefinition> EnsureIndexAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The severity, system and timestamp of the named documents the index holds (FT.SEARCH … INKEYS): keys it does not
    /// hold (deleted, or outside its prefixes) are left out. One short call per batch, whatever the index holds.
    /// </summary>
    Task<IReadOnlyList<MessageFields>> ReadAsync(IndexDefinition index, IReadOnlyList<string> keys, CancellationToken cancellationToken);

    /// <summary>
    /// Every indexed document's key, severity, system and timestamp, in cursor pages of <paramref name="pageSize"/>
    /// with no GROUPBY and no FILTER, so no single call reads more than a page. Frees the cursor when the consumer stops.
    /// </summary>
    IAsyncEnumerable<IReadOnlyList<MessageFields>> ScanAsync(IndexDefinition index, int pageSize, CancellationToken cancellationToken);
}

/// <summary>What Scout counts of one message document, as stored (severity in its original case, raw timestamp).</summary>
public sealed record MessageFields(string Key, string? Severity, string? System, string? Timestamp);

/// <summary>An indexed message the previous design's expiry query returned: its key and its raw timestamp.</summary>
public sealed record ExpiryCandidate(string Key, string? Timestamp);
