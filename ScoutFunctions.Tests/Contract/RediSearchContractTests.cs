using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Redis;
using Scout.Tests.Infrastructure;
using Scout.Tests.Unit.Analytics;
using StackExchange.Redis;

namespace Scout.Tests.Contract;

/// <summary>
/// The FT.* adapter against a real RediSearch: seeds the recorded data set (cases.json) as JSON documents
/// (the producer's path) and as hashes with a NUMERIC timestamp (the older path), then checks every
/// window's counts against numbers computed here from the document list alone.
/// </summary>
[Trait("Category", "Contract")]
public sealed class RediSearchContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset ReferenceNow = DateTimeOffset.FromUnixTimeSeconds(1773230400);
    private static readonly AnalyticsWindow[] Windows = [new("1h", TimeSpan.FromHours(1)), new("24h", TimeSpan.FromHours(24))];

    private readonly string _run = "scoutcontract" + Guid.NewGuid().ToString("N")[..8];
    private ConnectionMultiplexer? _redis;
    private RedisConnection? _connection;

    private IDatabase Db => _redis!.GetDatabase();

    public async Task InitializeAsync()
    {
        var target = Environment.GetEnvironmentVariable(RedisStackFactAttribute.Variable);
        if (string.IsNullOrWhiteSpace(target)) return;
        _redis = await ConnectionMultiplexer.ConnectAsync(target);
    }

    public async Task DisposeAsync()
    {
        if (_redis is null) return;
        // DD deletes the indexed documents: only for this run's own indexes, whose PREFIX holds nothing else.
        // The producer-schema index has no PREFIX (it covers every JSON key), so it is dropped without DD.
        foreach (var (index, deleteDocuments) in new[] { (_run + "_json", true), (_run + "_hash", true), (_run + "_created", false) })
        {
            try
            {
                if (deleteDocuments) await Db.ExecuteAsync("FT.DROPINDEX", index, "DD");
                else await Db.ExecuteAsync("FT.DROPINDEX", index);
            }
            catch (RedisServerException)
            {
            }
        }
        if (_connection is not null) await _connection.DisposeAsync();
        await _redis.CloseAsync();
    }

    [RedisStackFact]
    public async Task Json_index_counts_match_the_data_set_for_every_window()
    {
        var (index, documents) = await SeedJsonIndexAsync();

        await AssertCountsAsync(index, documents, IndexKeyType.Json, TimestampKind.Text);
    }

    [RedisStackFact]
    public async Task Hash_index_with_numeric_timestamps_counts_match_the_data_set()
    {
        var (index, documents) = await SeedHashIndexAsync();

        await AssertCountsAsync(index, documents, IndexKeyType.Hash, TimestampKind.Numeric);
    }

    [RedisStackFact]
    public async Task Expired_keys_of_a_json_index_are_exactly_the_documents_before_the_cutoff_plus_unparseable_ones()
    {
        var (index, documents) = await SeedJsonIndexAsync();

        var returned = await ExpiredKeysAsync(index, IndexKeyType.Json, TimestampKind.Text);

        var cutoff = (ReferenceNow - TimeSpan.FromHours(24)).ToUnixTimeSeconds();
        var expired = documents.Where(d => d.Unix < cutoff).Select(d => $"{index}:{d.Key}").ToHashSet();
        var unparseable = documents.Where(d => d.Unix is null).Select(d => $"{index}:{d.Key}").ToHashSet();
        Assert.Superset(expired, returned.Keys.ToHashSet());
        Assert.Subset(expired.Union(unparseable).ToHashSet(), returned.Keys.ToHashSet());
        Assert.All(returned, r => Assert.Equal(documents.Single(d => $"{index}:{d.Key}" == r.Key).Timestamp, r.Value));
    }

    [RedisStackFact]
    public async Task Expired_keys_of_a_hash_index_with_numeric_timestamps_are_exactly_the_documents_before_the_cutoff()
    {
        var (index, documents) = await SeedHashIndexAsync();

        var returned = await ExpiredKeysAsync(index, IndexKeyType.Hash, TimestampKind.Numeric);

        var cutoff = (ReferenceNow - TimeSpan.FromHours(24)).ToUnixTimeSeconds();
        Assert.Equal(documents.Where(d => d.Unix < cutoff).Select(d => $"{index}:{d.Key}").Order(), returned.Keys.Order());
    }

    /// <summary>The data set as the producer writes it: JSON documents with RFC 3339 text timestamps.</summary>
    private async Task<(string Index, List<Document> Documents)> SeedJsonIndexAsync()
    {
        var documents = LoadDocuments();
        var index = _run + "_json";
        await Db.ExecuteAsync("FT.CREATE", index, "ON", "JSON", "PREFIX", "1", index + ":", "SCHEMA",
            "$.severity", "AS", "severity", "TEXT", "$.system", "AS", "system", "TEXT", "$.timestamp", "AS", "timestamp", "TEXT");
        foreach (var d in documents)
            await Db.ExecuteAsync("JSON.SET", $"{index}:{d.Key}", "$",
                JsonSerializer.Serialize(new { severity = d.Severity, system = d.System, timestamp = d.Timestamp }));
        await WaitIndexedAsync(index, documents.Count);
        return (index, documents);
    }

    /// <summary>The data set as the older producer wrote it: hashes with a NUMERIC timestamp (parseable ones only).</summary>
    private async Task<(string Index, List<Document> Documents)> SeedHashIndexAsync()
    {
        var documents = LoadDocuments().Where(d => d.Unix is not null).ToList();
        var index = _run + "_hash";
        await Db.ExecuteAsync("FT.CREATE", index, "ON", "HASH", "PREFIX", "1", index + ":", "SCHEMA",
            "severity", "TEXT", "system", "TEXT", "timestamp", "NUMERIC", "SORTABLE");
        foreach (var d in documents)
            await Db.HashSetAsync($"{index}:{d.Key}", [new("severity", d.Severity), new("system", d.System), new("timestamp", d.Unix!.Value)]);
        await WaitIndexedAsync(index, documents.Count);
        return (index, documents);
    }

    private async Task<Dictionary<string, string?>> ExpiredKeysAsync(string index, IndexKeyType keyType, TimestampKind timestamp)
    {
        var adapter = Adapter(index);
        var definition = await adapter.EnsureIndexAsync(CancellationToken.None);
        Assert.Equal(new IndexDefinition(index, keyType, timestamp), definition);
        var returned = new Dictionary<string, string?>();
        await foreach (var page in adapter.FindExpiredAsync(definition, ReferenceNow - TimeSpan.FromHours(24), CancellationToken.None))
            foreach (var candidate in page)
                Assert.True(returned.TryAdd(candidate.Key, candidate.Timestamp), $"{candidate.Key} returned twice");
        return returned;
    }

    [RedisStackFact]
    public async Task A_missing_index_is_created_with_the_producer_schema()
    {
        var adapter = Adapter(_run + "_created");
        var definition = await adapter.EnsureIndexAsync(CancellationToken.None);

        Assert.Equal(new IndexDefinition(_run + "_created", IndexKeyType.Json, TimestampKind.Text), definition);
    }

    private async Task AssertCountsAsync(string index, List<Document> documents, IndexKeyType keyType, TimestampKind timestamp)
    {
        var adapter = Adapter(index);
        var definition = await adapter.EnsureIndexAsync(CancellationToken.None);
        Assert.Equal(new IndexDefinition(index, keyType, timestamp), definition);

        var plan = new WindowPlan(Windows, ReferenceNow);
        var snapshots = SnapshotBuilder.Build(await adapter.CountByWindowAsync(definition, plan, CancellationToken.None), plan, TimeSpan.Zero);

        Assert.Equal(ExpectedSeverities(documents, null), snapshots[0].SeverityCounts.OrderBy(kv => kv.Key));
        for (var i = 0; i < Windows.Length; i++)
            Assert.Equal(ExpectedSeverities(documents, ReferenceNow - Windows[i].Length), snapshots[i + 1].SeverityCounts.OrderBy(kv => kv.Key));
        Assert.Equal(documents.Count, snapshots[0].TotalMessages);
    }

    /// <summary>Counts by lower-cased severity of the documents at or after the cut-off (null = all).</summary>
    private static IEnumerable<KeyValuePair<string, long>> ExpectedSeverities(List<Document> documents, DateTimeOffset? cutoff) => documents
        .Where(d => cutoff is null || d.Unix is { } unix && unix >= cutoff.Value.ToUnixTimeSeconds())
        .GroupBy(d => d.Severity.ToLowerInvariant())
        .Select(g => KeyValuePair.Create(g.Key, (long)g.Count()))
        .OrderBy(kv => kv.Key);

    private RediSearchIndex Adapter(string index)
    {
        // host:port, optionally with StackExchange.Redis options (",password=…").
        var target = ConfigurationOptions.Parse(Environment.GetEnvironmentVariable(RedisStackFactAttribute.Variable)!);
        var (host, port) = target.EndPoints[0] switch
        {
            System.Net.DnsEndPoint dns => (dns.Host, dns.Port),
            System.Net.IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            var other => throw new InvalidOperationException($"{RedisStackFactAttribute.Variable}: unsupported endpoint {other}"),
        };
        var options = new ScoutOptions
        {
            Index = index,
            RedisAddr = host,
            RedisPort = port,
            RedisPassword = target.Password ?? "",
        };
        _connection ??= new RedisConnection(Options.Create(options));
        return new RediSearchIndex(_connection, new FixedOptions(options), NullLogger<RediSearchIndex>.Instance);
    }

    private async Task WaitIndexedAsync(string index, int expected)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var info = await Db.ExecuteAsync("FT.INFO", index);
            var pairs = (RedisResult[])info!;
            for (var i = 0; i + 1 < pairs.Length; i += 2)
                if (pairs[i].ToString() == "num_docs" && long.Parse(pairs[i + 1].ToString(), CultureInfo.InvariantCulture) >= expected)
                    return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"index {index} did not reach {expected} documents");
    }

    private static List<Document> LoadDocuments()
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

    private sealed record Document(string Key, string Severity, string System, string Timestamp, long? Unix);
}
