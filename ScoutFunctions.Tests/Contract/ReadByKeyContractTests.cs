using System.Collections.Concurrent;
using Scout.Search;
using Scout.Tests.Infrastructure;
using StackExchange.Redis;

namespace Scout.Tests.Contract;

/// <summary>
/// Named documents read by key (JSON.MGET, HMGET) give exactly what the index gave for them (FT.SEARCH … INKEYS, the
/// read they replace), on the real engine: JSON and HASH indexes, keys outside the prefixes, of the other type, deleted,
/// numeric and text timestamps, missing fields, and values the engine refuses to index.
/// </summary>
public sealed class ReadByKeyScenarios(IRedisStackTarget target) : IAsyncDisposable
{
    private readonly ContractData _data = new(target);
    // Written from concurrent JsonAsync/HashAsync calls (Task.WhenAll): a List lost keys and once held a null one.
    private readonly ConcurrentQueue<RedisKey> _strays = new();

    private IDatabase Db => _data.Db;

    /// <summary>
    /// The documents read both ways for every key named, in one batch; <paramref name="held"/> the keys the index holds,
    /// <paramref name="asked"/> those only the index can decide on (everything else is decided by key).
    /// </summary>
    public async Task AssertSameAsync(string index, IReadOnlyList<string> keys, IEnumerable<string> held, IEnumerable<string> asked)
    {
        var (adapter, connection, _) = _data.Scout(index);
        var definition = await adapter.EnsureIndexAsync(CancellationToken.None);
        Assert.NotNull(definition.ByKey);

        var byKey = await adapter.ReadAsync(definition, keys, CancellationToken.None);
        var throughIndex = await adapter.ReadAsync(definition with { ByKey = null }, keys, CancellationToken.None);

        Assert.Equal(throughIndex.Select(Canonical).OrderBy(d => d.Key, StringComparer.Ordinal), byKey.Select(Canonical).OrderBy(d => d.Key, StringComparer.Ordinal));
        Assert.Equal(held.Order(StringComparer.Ordinal), byKey.Select(d => d.Key).Order(StringComparer.Ordinal));
        var (_, ask) = await new KeyReader(connection).ReadAsync(definition.ByKey!, keys);
        Assert.Equal(asked.Order(StringComparer.Ordinal), ask.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// A number as the index reads it: FT.SEARCH's text of a JSON number is RedisJSON's on RESP2 ("1773230400.0") and a
    /// double on RESP3 ("1773230400"); the same number either way, counted alike.
    /// </summary>
    private static MessageFields Canonical(MessageFields d) =>
        double.TryParse(d.Timestamp, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? d with { Timestamp = number.ToString("R", System.Globalization.CultureInfo.InvariantCulture) }
            : d;

    /// <summary>A JSON index over two prefixes, all TEXT (the producer's), with <paramref name="timestamp"/> as the timestamp's type.</summary>
    public async Task<(string Index, string[] Prefixes)> JsonIndexAsync(string timestamp)
    {
        var index = _data.Run + "_mget" + timestamp.ToLowerInvariant();
        string[] prefixes = [index + ":a:", index + ":b:"];
        await Db.ExecuteAsync("FT.CREATE", index, "ON", "JSON", "PREFIX", "2", prefixes[0], prefixes[1], "SCHEMA",
            "$.severity", "AS", "severity", "TEXT", "$.system", "AS", "system", "TEXT", "$.timestamp", "AS", "timestamp", timestamp,
            "$.title", "AS", "title", "TEXT");
        _data.TrackIndex(index);
        return (index, prefixes);
    }

    /// <summary>A HASH index whose severity lives in a field of another name (<c>sev AS severity</c>).</summary>
    public async Task<string> HashIndexAsync(string timestamp)
    {
        var index = _data.Run + "_hmget" + timestamp.ToLowerInvariant();
        await Db.ExecuteAsync("FT.CREATE", index, "ON", "HASH", "PREFIX", "1", index + ":", "SCHEMA",
            "sev", "AS", "severity", "TEXT", "system", "TEXT", "timestamp", timestamp, "SORTABLE");
        _data.TrackIndex(index);
        return index;
    }

    public async Task JsonAsync(string key, string json, bool stray = false)
    {
        await Db.ExecuteAsync("JSON.SET", key, "$", json);
        if (stray) _strays.Enqueue(key);
    }

    public async Task HashAsync(string key, params (string Field, string Value)[] fields)
    {
        await Db.HashSetAsync(key, [.. fields.Select(f => new HashEntry(f.Field, f.Value))]);
        _strays.Enqueue(key);
    }

    public async Task StringAsync(string key)
    {
        await Db.StringSetAsync(key, "not a message");
        _strays.Enqueue(key);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var key in _strays) await Db.KeyDeleteAsync(key);
        await _data.DisposeAsync();
    }

    /// <summary>The producer's documents and every kind of key the index does not hold, or holds with something odd.</summary>
    public async Task JsonWithTextTimestampsAsync()
    {
        var (index, p) = await JsonIndexAsync("TEXT");
        var plain = Enumerable.Range(0, 40).Select(i => $"{p[i % 2]}{Guid.NewGuid()}-billing").ToList();
        await Task.WhenAll(plain.Select((k, i) => JsonAsync(k,
            $$"""{"severity":"{{(i % 3 == 0 ? "ERROR" : "info")}}","system":"billing","timestamp":"2026-03-11T11:{{i:D2}}:00Z","title":"t","message":"m"}""")));
        // Same hash slot on a cluster: one JSON.MGET holds several keys.
        var tagged = Enumerable.Range(0, 5).Select(i => $"{p[0]}{{slot}}{i}").ToList();
        await Task.WhenAll(tagged.Select(k => JsonAsync(k, """{"severity":"warning","system":"edge \"proxy\" é","timestamp":"2026-03-11T11:30:00.5+02:00"}""")));
        string noSystem = p[0] + "nosystem", noTimestamp = p[1] + "notimestamp", nothing = p[0] + "nothing", nested = p[1] + "nested";
        await JsonAsync(noSystem, """{"severity":"error","timestamp":"2026-03-11T11:00:00Z"}""");
        await JsonAsync(noTimestamp, """{"severity":"error","system":"api"}""");
        await JsonAsync(nothing, """{"other":1}""");
        await JsonAsync(nested, """{"severity":{"level":"error"},"system":"api","timestamp":"2026-03-11T11:00:00Z"}""");
        // Values the engine refuses to index on TEXT (the whole document is left out), or takes in its own way.
        string numberOnText = p[0] + "numberontext", numberTitle = p[1] + "numbertitle", nullSeverity = p[0] + "nullseverity",
            arraySeverity = p[1] + "arrayseverity", array = p[0] + "array";
        await JsonAsync(numberOnText, """{"severity":"info","system":"api","timestamp":1773230400}""");
        await JsonAsync(numberTitle, """{"severity":"info","system":"api","timestamp":"2026-03-11T11:00:00Z","title":7}""");
        await JsonAsync(nullSeverity, """{"severity":null,"system":"api","timestamp":"2026-03-11T11:00:00Z"}""");
        await JsonAsync(arraySeverity, """{"severity":["info","error"],"system":"api","timestamp":"2026-03-11T11:00:00Z"}""");
        await JsonAsync(array, """["not","an","object"]""");
        // Not held: outside both prefixes, a hash and a string under a prefix, deleted, never written.
        string outside = index + ":c:outside", hash = p[0] + "ahash", text = p[1] + "astring", deleted = p[0] + "deleted", never = p[1] + "never";
        await JsonAsync(outside, """{"severity":"info","system":"api","timestamp":"2026-03-11T11:00:00Z"}""", stray: true);
        await HashAsync(hash, ("severity", "info"), ("system", "api"), ("timestamp", "2026-03-11T11:00:00Z"));
        await StringAsync(text);
        await JsonAsync(deleted, """{"severity":"info","system":"api","timestamp":"2026-03-11T11:00:00Z"}""");
        await Db.KeyDeleteAsync(deleted);
        List<string> odd = [nested, numberOnText, numberTitle, nullSeverity, arraySeverity, array];
        List<string> keys = [.. plain, .. tagged, noSystem, noTimestamp, nothing, .. odd, outside, hash, text, deleted, never];
        await _data.WaitIndexedAsync(index, plain.Count + tagged.Count + 2);

        var held = (await ThroughIndexAsync(index, keys)).Select(d => d.Key).ToList();
        Assert.Subset(held.ToHashSet(), new HashSet<string>([.. plain, .. tagged, noSystem, noTimestamp]));
        Assert.DoesNotContain(numberOnText, held);
        Assert.DoesNotContain(numberTitle, held);
        await AssertSameAsync(index, keys, held, odd);
    }

    /// <summary>A NUMERIC timestamp on a JSON index: JSON numbers (whole and fractional) are taken, a string refused.</summary>
    public async Task JsonWithNumericTimestampsAsync()
    {
        var (index, p) = await JsonIndexAsync("NUMERIC");
        string whole = p[0] + "whole", fraction = p[1] + "fraction", exponent = p[0] + "exponent", negative = p[1] + "negative",
            missing = p[0] + "missing", asText = p[1] + "astext";
        await JsonAsync(whole, """{"severity":"info","system":"api","timestamp":1773230400}""");
        await JsonAsync(fraction, """{"severity":"info","system":"api","timestamp":1773230400.25}""");
        await JsonAsync(exponent, """{"severity":"info","system":"api","timestamp":1.7732304E9}""");
        await JsonAsync(negative, """{"severity":"info","system":"api","timestamp":-5}""");
        await JsonAsync(missing, """{"severity":"info","system":"api"}""");
        await JsonAsync(asText, """{"severity":"info","system":"api","timestamp":"2026-03-11T11:00:00Z"}""");
        List<string> keys = [whole, fraction, exponent, negative, missing, asText];
        await _data.WaitIndexedAsync(index, 5);

        await AssertSameAsync(index, keys, [whole, fraction, exponent, negative, missing], [asText]);
    }

    /// <summary>
    /// Hashes under an ON HASH index: numbers in every form the engine takes, those it refuses, missing fields, a hash with
    /// none of the index's fields, a JSON document and a string under the prefix, a key outside it, deleted ones.
    /// </summary>
    public async Task HashAsync(string timestamp)
    {
        var index = await HashIndexAsync(timestamp);
        var p = index + ":";
        var plain = Enumerable.Range(0, 30).Select(i => $"{p}{Guid.NewGuid()}-api").ToList();
        await Task.WhenAll(plain.Select((k, i) => HashAsync(k, ("sev", i % 2 == 0 ? "ERROR" : "info"), ("system", "api"), ("timestamp",
            timestamp == "NUMERIC" ? (1773230400 - i * 60).ToString(System.Globalization.CultureInfo.InvariantCulture) : $"2026-03-11T11:{i:D2}:00Z"))));
        var forms = new[] { "1773230400.25", "1e3", "-5", "012", "0.1", "1.7732304E9" }.Select((v, i) => (Key: $"{p}{{slot}}form{i}", Value: v)).ToList();
        await Task.WhenAll(forms.Select(f => HashAsync(f.Key, ("sev", "info"), ("system", "api"), ("timestamp", f.Value))));
        var refused = new[] { "yesterday", "", " 12", "+5", "inf", "2026-03-11T11:00:00Z" }.Select((v, i) => (Key: $"{p}refused{i}", Value: v)).ToList();
        await Task.WhenAll(refused.Select(f => HashAsync(f.Key, ("sev", "info"), ("system", "api"), ("timestamp", f.Value))));
        string noTimestamp = p + "notimestamp", onlySystem = p + "onlysystem", none = p + "none", json = p + "json", text = p + "string",
            outside = index + "_other:x", deleted = p + "deleted", never = p + "never";
        await HashAsync(noTimestamp, ("sev", "warning"), ("system", "api"));
        await HashAsync(onlySystem, ("system", "api"));
        await HashAsync(none, ("other", "1"));
        await JsonAsync(json, """{"sev":"info","system":"api","timestamp":1773230400}""", stray: true);
        await StringAsync(text);
        await HashAsync(outside, ("sev", "info"), ("system", "api"), ("timestamp", "1773230400"));
        await HashAsync(deleted, ("sev", "info"), ("system", "api"), ("timestamp", "1773230400"));
        await Db.KeyDeleteAsync(deleted);
        List<string> keys = [.. plain, .. forms.Select(f => f.Key), .. refused.Select(f => f.Key), noTimestamp, onlySystem, none, json, text, outside, deleted, never];
        var numeric = timestamp == "NUMERIC";
        await _data.WaitIndexedAsync(index, plain.Count + 3);

        var held = (await ThroughIndexAsync(index, keys)).Select(d => d.Key).ToList();
        // A hash with none of the fields and a deleted or never written key look alike to HMGET: the index is asked.
        List<string> asked = [.. numeric ? refused.Select(f => f.Key) : [], none, deleted, never];
        await AssertSameAsync(index, keys, held, asked);
        Assert.Contains(none, held);
        // What RediSearch refuses on NUMERIC (others, e.g. "+5", some versions take: those are asked).
        Assert.Equal(numeric, refused.Take(3).All(f => !held.Contains(f.Key)));
    }

    /// <summary>An index with a FILTER: read through the index, as before.</summary>
    public async Task FilteredAsync()
    {
        var index = _data.Run + "_filtered";
        await Db.ExecuteAsync("FT.CREATE", index, "ON", "JSON", "PREFIX", "1", index + ":", "FILTER", "@severity!='debug'", "SCHEMA",
            "$.severity", "AS", "severity", "TEXT", "$.system", "AS", "system", "TEXT", "$.timestamp", "AS", "timestamp", "TEXT");
        _data.TrackIndex(index);
        string kept = index + ":kept", filtered = index + ":filtered";
        await JsonAsync(kept, """{"severity":"info","system":"api","timestamp":"2026-03-11T11:00:00Z"}""");
        await JsonAsync(filtered, """{"severity":"debug","system":"api","timestamp":"2026-03-11T11:00:00Z"}""");
        await _data.WaitIndexedAsync(index, 1);
        var adapter = _data.Adapter(index);
        var definition = await adapter.EnsureIndexAsync(CancellationToken.None);

        Assert.Null(definition.ByKey);
        Assert.Equal("the index has a filter", (await _data.InfoAsync(index))!.ThroughIndexBecause);
        Assert.Equal([kept], (await adapter.ReadAsync(definition, [kept, filtered], CancellationToken.None)).Select(d => d.Key));
    }

    private async Task<IReadOnlyList<MessageFields>> ThroughIndexAsync(string index, IReadOnlyList<string> keys)
    {
        var adapter = _data.Adapter(index);
        var definition = await adapter.EnsureIndexAsync(CancellationToken.None);
        return await adapter.ReadAsync(definition with { ByKey = null }, keys, CancellationToken.None);
    }
}

[Trait("Category", "Contract")]
[Collection(RedisStackCollection.Name)]
public sealed class ReadByKeyContractTests(RedisStackFixture stack) : IAsyncLifetime
{
    private ReadByKeyScenarios Scenarios { get; } = new(stack);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Scenarios.DisposeAsync().AsTask();

    [RedisStackFact]
    public Task Json_documents_with_text_timestamps_read_by_key_as_the_index_reads_them() => Scenarios.JsonWithTextTimestampsAsync();

    [RedisStackFact]
    public Task Json_documents_with_numeric_timestamps_read_by_key_as_the_index_reads_them() => Scenarios.JsonWithNumericTimestampsAsync();

    [RedisStackFact]
    public Task Hashes_with_numeric_timestamps_read_by_key_as_the_index_reads_them() => Scenarios.HashAsync("NUMERIC");

    [RedisStackFact]
    public Task Hashes_with_text_timestamps_read_by_key_as_the_index_reads_them() => Scenarios.HashAsync("TEXT");

    [RedisStackFact]
    public Task An_index_with_a_filter_is_read_through_the_index() => Scenarios.FilteredAsync();
}

[Trait("Category", "Contract")]
[Collection(RedisClusterCollection.Name)]
public sealed class ReadByKeyClusterContractTests(RedisClusterFixture cluster) : IAsyncLifetime
{
    private ReadByKeyScenarios Scenarios { get; } = new(cluster);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Scenarios.DisposeAsync().AsTask();

    [RedisClusterFact]
    public Task Json_documents_on_three_shards_read_by_key_as_the_index_reads_them() => Scenarios.JsonWithTextTimestampsAsync();

    [RedisClusterFact]
    public Task Json_documents_with_numeric_timestamps_on_three_shards_read_by_key_as_the_index_reads_them() => Scenarios.JsonWithNumericTimestampsAsync();

    [RedisClusterFact]
    public Task Hashes_on_three_shards_read_by_key_as_the_index_reads_them() => Scenarios.HashAsync("NUMERIC");
}
