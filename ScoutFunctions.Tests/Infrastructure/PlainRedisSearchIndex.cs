using System.Globalization;
using System.Runtime.CompilerServices;
using Scout.Search;
using StackExchange.Redis;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// Stands in for RediSearch (not installable here) over a plain redis-server: messages are hashes under
/// <see cref="Prefix"/>, as the hash producer stores them, and this class answers the adapter's questions
/// the way the real engine does (the fields of named documents it holds, a scan of every document). The adapter's own
/// FT.* commands are tested on the real engine (Contract/) and against recorded replies.
/// </summary>
public sealed class PlainRedisSearchIndex(IDatabase database, TimestampKind timestamps = TimestampKind.Text) : ISearchIndex
{
    public const string Prefix = "message:";

    /// <summary>Full passes (scans of every message) this index answered.</summary>
    public int ScanPasses { get; private set; }

    /// <summary>Reads of named messages (the stream's new entries, retention's batches).</summary>
    public int ReadCalls { get; private set; }

    /// <summary>When set, every call fails like an unreachable or broken RediSearch would.</summary>
    public Exception? Failure { get; set; }

    public static IndexDefinition Definition(TimestampKind timestamps) => new("messages", IndexKeyType.Hash, timestamps);

    /// <summary>Index discoveries: one per aggregation cycle (and one per retention run that finds counts to prune).</summary>
    public int CountQueries { get; private set; }

    public Task<IndexDefinition> EnsureIndexAsync(CancellationToken cancellationToken)
    {
        CountQueries++;
        return Failure is null ? Task.FromResult(Definition(timestamps)) : Task.FromException<IndexDefinition>(Failure);
    }

    public async Task<IReadOnlyList<MessageFields>> ReadAsync(IndexDefinition index, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        if (Failure is not null) throw Failure;
        ReadCalls++;
        var found = new List<MessageFields>();
        foreach (var key in keys.Where(k => k.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var fields = await database.HashGetAsync(key, ["severity", "system", "timestamp"]);
            if (fields.All(f => f.IsNull) || !Indexed(fields[2])) continue;
            found.Add(new MessageFields(key, fields[0], fields[1], fields[2]));
        }
        return found;
    }

    public async IAsyncEnumerable<IReadOnlyList<MessageFields>> ScanAsync(
        IndexDefinition index, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Failure is not null) throw Failure;
        ScanPasses++;
        var page = new List<MessageFields>();
        await foreach (var message in ReadMessagesAsync())
        {
            page.Add(new MessageFields(message.Key, message.Severity, message.System, message.Timestamp));
            if (page.Count == pageSize)
            {
                yield return page;
                page = [];
            }
        }
        if (page.Count > 0) yield return page;
    }

    /// <summary>Like the engine: a NUMERIC field that is not a number fails the document's indexing, so the index never returns it.</summary>
    private bool Indexed(RedisValue timestamp) =>
        timestamps == TimestampKind.Text || timestamp.IsNull || double.TryParse(timestamp.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private async IAsyncEnumerable<Message> ReadMessagesAsync()
    {
        var server = database.Multiplexer.GetServers().First();
        var keys = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(database.Database, Prefix + "*", pageSize: 1000))
            keys.Add(key);
        foreach (var key in keys)
        {
            var fields = await database.HashGetAsync(key, ["severity", "system", "timestamp"]);
            if (fields.All(f => f.IsNull) || !Indexed(fields[2])) continue;
            yield return new Message(key!, fields[0], fields[1], fields[2]);
        }
    }

    private sealed record Message(string Key, string? Severity, string? System, string? Timestamp);
}
