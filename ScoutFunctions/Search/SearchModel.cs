namespace Scout.Search;

public enum IndexKeyType { Json, Hash }

/// <summary>How the index stores message timestamps: RFC 3339 text (JSON producer) or Unix seconds (hash producer).</summary>
public enum TimestampKind { Text, Numeric }

/// <param name="ByKey">
/// How documents are read by key (<see cref="KeyReadPlan"/>, from FT.INFO's definition: key type, prefixes, attributes);
/// null where only the index can say which documents it holds (e.g. an index with a FILTER): then FT.SEARCH reads them.
/// </param>
public sealed record IndexDefinition(string Name, IndexKeyType KeyType, TimestampKind Timestamp, KeyReadPlan? ByKey = null);

/// <summary>One attribute of an index as FT.INFO reports it.</summary>
public sealed record IndexField(string Identifier, string Attribute, string Type);

/// <summary>What FT.INFO says about an index: its definition, its fields, and whether it is still being built.</summary>
/// <param name="ThroughIndexBecause">Why its documents are read through the index rather than by key ("" when by key).</param>
public sealed record IndexInfo(IndexDefinition Definition, IReadOnlyList<IndexField> Fields, bool Indexing, long NumDocs, string ThroughIndexBecause = "");

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
    /// The producer's index (created with its ON JSON schema when missing). Drops the own index an earlier Scout left
    /// (once per process), never its documents.
    /// </summary>
    Task<IndexDefinition> EnsureIndexAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The severity, system and timestamp of the named documents the index holds, read by key (JSON.MGET, HMGET) where
    /// the definition allows, else through the index (FT.SEARCH … INKEYS): keys it does not hold (deleted, outside its
    /// prefixes, of the other key type, refused by the engine) are left out. Its cost follows the keys named, not the index.
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
