using Scout.Redis;
using Scout.Search;

namespace Scout.Counting;

/// <summary>The records of named documents as the index covers them now.</summary>
public sealed class MessageReader(ISearchIndex index)
{
    /// <summary>Each named document's fields; documents the index does not hold (deleted, outside its prefixes) are left out.</summary>
    public Task<IReadOnlyList<MessageFields>> ReadAsync(IndexDefinition definition, IReadOnlyList<string> documents, CancellationToken cancellationToken) =>
        index.ReadAsync(definition, documents, cancellationToken);

    /// <summary>Each named document's record; null for those the index does not hold.</summary>
    public async Task<List<RecordChange>> ReadChangesAsync(IndexDefinition definition, IReadOnlyList<string> documents, CancellationToken cancellationToken)
    {
        var found = (await ReadAsync(definition, documents, cancellationToken)).ToDictionary(d => d.Key, StringComparer.Ordinal);
        return [.. documents.Select(k => new RecordChange(k, found.TryGetValue(k, out var d) ? MessageRecord.From(d, definition.Timestamp) : null))];
    }

    /// <summary>
    /// Every document of the index as records, in pages. An ON HASH index without PREFIX covers Scout's own hashes too:
    /// they are never messages.
    /// </summary>
    public async IAsyncEnumerable<List<RecordChange>> ScanAsync(IndexDefinition definition, int pageSize,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in index.ScanAsync(definition, pageSize, cancellationToken))
            yield return [.. page.Where(d => !d.Key.StartsWith(ScoutKeys.Prefix, StringComparison.Ordinal))
                .Select(d => new RecordChange(d.Key, MessageRecord.From(d, definition.Timestamp)))];
    }
}
