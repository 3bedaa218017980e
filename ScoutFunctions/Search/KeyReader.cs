using Scout.Redis;
using StackExchange.Redis;

namespace Scout.Search;

/// <summary>
/// Reads named documents by key with plain commands, as <see cref="KeyReadPlan"/> says: one <c>JSON.MGET … $</c> per
/// batch (per hash slot on a Redis Cluster, which refuses a multi-key command across slots), or one pipelined
/// <c>HMGET</c> per key. A shard that does not answer fails the read (unlike FT.SEARCH's coordinator, which answers
/// without it).
/// </summary>
public sealed class KeyReader(RedisConnection redis)
{
    /// <summary>Keys per JSON.MGET: a cycle's page or a retention batch in one call.</summary>
    public const int MgetChunk = 1000;

    /// <summary>The documents found (held), and the keys only the index can decide on.</summary>
    public async Task<(List<MessageFields> Held, List<string> AskIndex)> ReadAsync(KeyReadPlan plan, IReadOnlyList<string> keys)
    {
        var covered = keys.Distinct(StringComparer.Ordinal).Where(plan.Covers).ToList();
        var reads = plan.KeyType == IndexKeyType.Json ? await ReadJsonAsync(plan, covered) : await ReadHashesAsync(plan, covered);
        var held = reads.Where(r => r.Kind == KeyReadKind.Held).Select(r => r.Fields!).ToList();
        var ask = covered.Where((_, i) => reads[i].Kind == KeyReadKind.AskIndex).ToList();
        return (held, ask);
    }

    /// <summary>One read per key, in the order of <paramref name="keys"/>.</summary>
    private async Task<KeyRead[]> ReadJsonAsync(KeyReadPlan plan, List<string> keys)
    {
        var chunks = redis.MultiKeyChunks(keys.Select((k, i) => (Key: k, At: i)), p => p.Key, MgetChunk);
        // Keys passed as RedisKey: the client sends each call to the node that owns their slot.
        var replies = await Task.WhenAll(chunks.Select(chunk =>
            redis.Database.ExecuteAsync("JSON.MGET", [.. chunk.Select(p => (object)(RedisKey)p.Key), "$"])));
        var reads = new KeyRead[keys.Count];
        for (var c = 0; c < chunks.Count; c++)
        {
            var documents = (RedisResult[])replies[c]!;
            for (var i = 0; i < chunks[c].Length; i++)
                reads[chunks[c][i].At] = plan.ReadJson(chunks[c][i].Key, documents[i].IsNull ? null : documents[i].ToString());
        }
        return reads;
    }

    private async Task<KeyRead[]> ReadHashesAsync(KeyReadPlan plan, List<string> keys)
    {
        var fields = plan.HashFields.Select(f => (RedisValue)f).ToArray();
        var database = redis.Database;
        return await Task.WhenAll(keys.Select(async key => plan.ReadHash(key, await HashFieldsAsync(database, key, fields))));
    }

    /// <summary>HMGET of one key; null when the key is not a hash (a JSON document under an ON HASH index's prefix is not covered).</summary>
    private static async Task<RedisValue[]?> HashFieldsAsync(IDatabase database, string key, RedisValue[] fields)
    {
        try
        {
            return await database.HashGetAsync(key, fields);
        }
        catch (RedisServerException error) when (error.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            return null;
        }
    }
}
