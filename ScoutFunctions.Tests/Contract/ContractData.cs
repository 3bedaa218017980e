using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NRedisStack.RedisStackCommands;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Redis;
using Scout.Search;
using Scout.Tests.Infrastructure;
using Scout.Tests.Unit.Search;
using StackExchange.Redis;

namespace Scout.Tests.Contract;

/// <summary>A message as the contract suite seeds it; <see cref="Unix"/> is null when the timestamp does not parse.</summary>
public sealed record Document(string Key, string Severity, string System, string Timestamp, long? Unix);

/// <summary>
/// The contract suite's data on a real Redis Stack: producer-shaped indexes under a prefix of this run only
/// (so a shared Redis Stack is never touched outside it), documents written with NRedisStack's JSON commands,
/// and the adapter Scout runs. Everything it creates is dropped at the end, documents included.
/// </summary>
public sealed class ContractData(IRedisStackTarget stack) : IAsyncDisposable
{
    public static readonly DateTimeOffset ReferenceNow = DateTimeOffset.FromUnixTimeSeconds(1773230400);
    public static readonly AnalyticsWindow[] Windows = [new("1h", TimeSpan.FromHours(1)), new("24h", TimeSpan.FromHours(24))];

    /// <summary>Indexes to drop at the end; DD (delete the documents) only for this run's prefixed producer indexes.</summary>
    private readonly List<(string Name, bool DeleteDocuments)> _indexes = [];
    private readonly List<RedisConnection> _connections = [];

    public string Run { get; } = "scoutcontract" + Guid.NewGuid().ToString("N")[..8];

    public IDatabase Db => stack.Database;

    /// <summary>The producer's ON JSON schema (all TEXT) over this run's prefixes.</summary>
    public async Task<string> CreateJsonIndexAsync(string name, params string[] prefixes)
    {
        await Db.ExecuteAsync("FT.CREATE", [name, "ON", "JSON", "PREFIX", prefixes.Length.ToString(CultureInfo.InvariantCulture), .. prefixes, "SCHEMA",
            "$.severity", "AS", "severity", "TEXT", "$.system", "AS", "system", "TEXT", "$.timestamp", "AS", "timestamp", "TEXT",
            "$.title", "AS", "title", "TEXT"]);
        Track(name, deleteDocuments: true);
        return name;
    }

    /// <summary>Drops an index this test created itself at the end, documents included.</summary>
    public void TrackIndex(string name) => Track(name, deleteDocuments: true);

    public Task WriteJsonAsync(string key, Document d) =>
        Db.JSON().SetAsync(key, "$", new { severity = d.Severity, system = d.System, timestamp = d.Timestamp, title = "contract " + d.Key });

    /// <summary>The data set as the producer writes it: JSON documents with RFC 3339 text timestamps.</summary>
    public async Task<(string Index, List<Document> Documents)> SeedJsonIndexAsync(IReadOnlyList<Document>? documents = null)
    {
        documents ??= LoadDocuments();
        var index = await CreateJsonIndexAsync(Run + "_json", Run + "_json:");
        await Task.WhenAll(documents.Select(d => WriteJsonAsync($"{index}:{d.Key}", d)));
        await WaitIndexedAsync(index, documents.Count);
        return (index, documents.ToList());
    }

    /// <summary>The data set as the older producer wrote it: hashes, with a NUMERIC timestamp (parseable ones only) or the text one.</summary>
    public async Task<(string Index, List<Document> Documents)> SeedHashIndexAsync(TimestampKind timestamp, IReadOnlyList<Document>? documents = null)
    {
        documents = (documents ?? LoadDocuments()).Where(d => timestamp == TimestampKind.Text || d.Unix is not null).ToList();
        var index = Run + (timestamp == TimestampKind.Numeric ? "_hash" : "_hashtext");
        await Db.ExecuteAsync("FT.CREATE", index, "ON", "HASH", "PREFIX", "1", index + ":", "SCHEMA",
            "severity", "TEXT", "system", "TEXT", "timestamp", timestamp == TimestampKind.Numeric ? "NUMERIC" : "TEXT", "SORTABLE");
        Track(index, deleteDocuments: true);
        await Task.WhenAll(documents.Select(d => Db.HashSetAsync($"{index}:{d.Key}",
            [new("severity", d.Severity), new("system", d.System), new("timestamp", timestamp == TimestampKind.Numeric ? d.Unix!.Value : d.Timestamp)])));
        await WaitIndexedAsync(index, documents.Count);
        return (index, documents.ToList());
    }

    /// <summary>Scout's adapter for the index.</summary>
    public RediSearchIndex Adapter(string index) => Scout(index).Adapter;

    /// <summary>The adapter with the connection and options it runs on (for the pruner, which shares them).</summary>
    public (RediSearchIndex Adapter, RedisConnection Connection, ScoutOptions Options) Scout(string index)
    {
        var options = new ScoutOptions
        {
            Index = index,
            RedisAddr = stack.Host,
            RedisPort = stack.Port,
            RedisPassword = stack.Password ?? "",
        };
        // An index the adapter creates (the producer's schema without PREFIX), or an earlier Scout's own index a test
        // leaves for it to drop, covers keys this run does not own: dropped without DD.
        Track(index, deleteDocuments: false);
        Track(options.OwnIndexName, deleteDocuments: false);
        var connection = new RedisConnection(Options.Create(options));
        _connections.Add(connection);
        return (new RediSearchIndex(connection, new FixedOptions(options), NullLogger<RediSearchIndex>.Instance), connection, options);
    }

    /// <summary>
    /// Every window's snapshot (all, then <see cref="Windows"/>) as Scout's first cycle at <see cref="ReferenceNow"/> counts
    /// the index: a full pass, as on a first start over existing documents. Starts and ends with no counts in Redis.
    /// </summary>
    public async Task<IReadOnlyList<AnalyticsSnapshot>> CountThroughScoutAsync(string index)
    {
        var (adapter, connection, options) = Scout(index);
        options.Stream = index + "_stream";
        options.Windows = Windows;
        await ScoutPipeline.ResetCountsAsync(Db.Multiplexer);
        try
        {
            var snapshots = await new ScoutPipeline(adapter, connection, options, new FakeTimeProvider(ReferenceNow)).CycleAsync();
            return [snapshots[AnalyticsWindow.AllName], .. Windows.Select(w => snapshots[w.Name])];
        }
        finally
        {
            await ScoutPipeline.ResetCountsAsync(Db.Multiplexer);
        }
    }

    /// <summary>Every expired candidate the adapter returns, by key (each key at most once).</summary>
    public static async Task<Dictionary<string, string?>> ExpiredAsync(RediSearchIndex adapter, IndexDefinition definition, DateTimeOffset cutoff)
    {
        var returned = new Dictionary<string, string?>();
        await foreach (var page in adapter.FindExpiredAsync(definition, cutoff, CancellationToken.None))
            foreach (var candidate in page)
                Assert.True(returned.TryAdd(candidate.Key, candidate.Timestamp), $"{candidate.Key} returned twice");
        return returned;
    }

    public async Task<IndexInfo?> InfoAsync(string index)
    {
        try
        {
            return RediSearchReplies.ParseIndexInfo(index, await Db.ExecuteAsync("FT.INFO", index));
        }
        catch (RedisServerException error) when (RediSearchReplies.IsMissingIndex(error))
        {
            return null;
        }
    }

    public async Task WaitIndexedAsync(string index, int expected)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (await InfoAsync(index) is { Indexing: false } info && info.NumDocs >= expected) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"index {index} did not reach {expected} documents");
    }

    public static List<Document> LoadDocuments()
    {
        // Through RecordedCases: the recorder wrote bare NaN values that plain JSON parsing rejects.
        var documents = RecordedCases.Root.GetProperty("documents").EnumerateArray().Select(d => new Document(
            d.GetProperty("key").GetString()!,
            d.GetProperty("severity").GetString()!,
            d.GetProperty("system").GetString()!,
            d.GetProperty("timestamp").GetString()!,
            d.TryGetProperty("unix", out var unix) && unix.ValueKind == JsonValueKind.Number ? unix.GetInt64() : null)).ToList();
        // The data set's message with a timestamp that does not parse: counted in "all", in no window.
        // (severity and system as recorded: summary_all and systems_all_top20 count it under error / api-gateway).
        documents.Add(new Document("bad:1", "error", "api-gateway", "yesterday", null));
        return documents;
    }

    /// <summary>
    /// The recorded data set plus what real producers also send: offsets (the engine reads the local time as UTC),
    /// fractions, severities and systems that differ only in case, and a system with a comma.
    /// </summary>
    public static List<Document> MixedDocuments() =>
    [
        .. LoadDocuments(),
        new("x:offset", "Error", "Edge Proxy", "2026-03-11T11:30:00+02:00", null),
        new("x:fraction", "CRITICAL", "edge proxy", "2026-03-11T11:45:00.987654Z", 1773229500),
        new("x:comma", "Warning", "billing,eu", "2026-03-10T23:00:00Z", 1773183600),
        new("x:garbage", "ERROR", "billing,eu", "", null),
    ];

    public async Task<Dictionary<string, string?>> ExpiredKeysAsync(string index, IndexKeyType keyType, TimestampKind timestamp)
    {
        var adapter = Adapter(index);
        var definition = await adapter.EnsureIndexAsync(CancellationToken.None);
        Assert.Equal((keyType, timestamp), (definition.KeyType, definition.Timestamp));
        return await ExpiredAsync(adapter, definition, ReferenceNow - TimeSpan.FromHours(24));
    }

    /// <summary>Scout's counts of the index equal the numbers computed here from the document list, on every window.</summary>
    public async Task<IReadOnlyList<AnalyticsSnapshot>> AssertCountsAsync(string index, List<Document> documents, IndexKeyType keyType, TimestampKind timestamp)
    {
        var definition = await Adapter(index).EnsureIndexAsync(CancellationToken.None);
        Assert.Equal((keyType, timestamp), (definition.KeyType, definition.Timestamp));

        var snapshots = await CountThroughScoutAsync(index);

        Assert.Equal(ExpectedSeverities(documents, null), snapshots[0].SeverityCounts.OrderBy(kv => kv.Key));
        for (var i = 0; i < Windows.Length; i++)
            Assert.Equal(ExpectedSeverities(documents, ReferenceNow - Windows[i].Length), snapshots[i + 1].SeverityCounts.OrderBy(kv => kv.Key));
        Assert.Equal(documents.Count, snapshots[0].TotalMessages);
        Assert.Equal(documents.Select(d => d.System).Distinct().Order(), snapshots[0].Systems.Select(s => s.System).Order());
        return snapshots;
    }

    /// <summary>Counts by lower-cased severity of the documents at or after the cut-off (null = all).</summary>
    public static IEnumerable<KeyValuePair<string, long>> ExpectedSeverities(List<Document> documents, DateTimeOffset? cutoff) => documents
        .Where(d => cutoff is null || d.Unix is { } unix && unix >= cutoff.Value.ToUnixTimeSeconds())
        .GroupBy(d => d.Severity.ToLowerInvariant())
        .Select(g => KeyValuePair.Create(g.Key, (long)g.Count()))
        .OrderBy(kv => kv.Key);

    private void Track(string index, bool deleteDocuments)
    {
        if (!_indexes.Any(i => i.Name == index)) _indexes.Add((index, deleteDocuments));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (index, deleteDocuments) in _indexes)
        {
            try
            {
                await Db.ExecuteAsync("FT.DROPINDEX", deleteDocuments ? [index, "DD"] : [index]);
            }
            catch (RedisServerException)
            {
            }
        }
        foreach (var connection in _connections) await connection.DisposeAsync();
    }
}
