using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Scout.Retention;
using Scout.Search;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Contract;

/// <summary>
/// The contract suite's checks on a sharded Redis Stack (three primaries, the RediSearch coordinator), with Scout
/// given the address of one node only: the same recorded data set, the same numbers computed from the document list
/// as <see cref="RediSearchContractTests"/> asserts on the single node, so both topologies give identical counts for
/// every window. Also what only a cluster can get wrong: documents on every shard, cursors read across many pages,
/// and deletions of keys in many slots.
/// </summary>
[Trait("Category", "Contract")]
[Collection(RedisClusterCollection.Name)]
public sealed class RediSearchClusterContractTests(RedisClusterFixture cluster) : IAsyncLifetime
{
    private readonly ContractData _data = new(cluster);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _data.DisposeAsync().AsTask();

    [RedisClusterFact]
    public async Task Json_index_counts_on_three_shards_match_the_data_set_for_every_window()
    {
        var (index, documents) = await _data.SeedJsonIndexAsync();
        AssertOnEveryShard(documents.Select(d => $"{index}:{d.Key}"));

        await _data.AssertCountsAsync(index, documents, IndexKeyType.Json, TimestampKind.Text);
    }

    [RedisClusterFact]
    public async Task Hash_index_with_numeric_timestamps_on_three_shards_counts_match_the_data_set()
    {
        var (index, documents) = await _data.SeedHashIndexAsync(TimestampKind.Numeric);

        await _data.AssertCountsAsync(index, documents, IndexKeyType.Hash, TimestampKind.Numeric);
    }

    [RedisClusterFact]
    public async Task Expired_keys_of_a_json_index_are_exactly_the_documents_before_the_cutoff_plus_unparseable_ones()
    {
        var (index, documents) = await _data.SeedJsonIndexAsync();

        var returned = await _data.ExpiredKeysAsync(index, IndexKeyType.Json, TimestampKind.Text);

        var cutoff = (ContractData.ReferenceNow - TimeSpan.FromHours(24)).ToUnixTimeSeconds();
        var expired = documents.Where(d => d.Unix < cutoff).Select(d => $"{index}:{d.Key}").ToHashSet();
        var unparseable = documents.Where(d => d.Unix is null).Select(d => $"{index}:{d.Key}").ToHashSet();
        Assert.Superset(expired, returned.Keys.ToHashSet());
        Assert.Subset(expired.Union(unparseable).ToHashSet(), returned.Keys.ToHashSet());
    }

    /// <summary>
    /// More expired documents than one cursor page (<see cref="RediSearchIndex.ExpiryPageSize"/>): every page after the
    /// first is an FT.CURSOR READ, which only the node that opened the cursor knows.
    /// </summary>
    [RedisClusterFact]
    public async Task Expired_keys_are_read_through_every_cursor_page_from_the_node_that_opened_it()
    {
        var documents = ManyDocuments(expired: 2_600, live: 150);
        var (index, _) = await _data.SeedJsonIndexAsync(documents);
        AssertOnEveryShard(documents.Select(d => $"{index}:{d.Key}"));

        var returned = await _data.ExpiredKeysAsync(index, IndexKeyType.Json, TimestampKind.Text);

        var cutoff = (ContractData.ReferenceNow - TimeSpan.FromHours(24)).ToUnixTimeSeconds();
        Assert.Equal(documents.Where(d => d.Unix < cutoff).Select(d => $"{index}:{d.Key}").Order(), returned.Keys.Order());
    }

    /// <summary>The real pruner on the cluster: keys in many slots of every shard, deleted by slot, live ones untouched.</summary>
    [RedisClusterFact]
    public async Task Retention_deletes_exactly_the_expired_messages_of_every_shard()
    {
        var documents = ManyDocuments(expired: 1_500, live: 300);
        var (index, _) = await _data.SeedJsonIndexAsync(documents);
        var (adapter, connection, options) = _data.Scout(index);
        options.RetentionTtl = TimeSpan.FromHours(24);
        await ScoutPipeline.ResetCountsAsync(cluster.Connection);
        var scout = new ScoutPipeline(adapter, connection, options, new FakeTimeProvider(ContractData.ReferenceNow));
        await scout.CycleAsync(); // the first cycle's full pass learns every document through the coordinator
        var pruner = scout.Pruner;
        var cutoff = (ContractData.ReferenceNow - options.RetentionTtl).ToUnixTimeSeconds();
        var expired = documents.Where(d => d.Unix < cutoff).Select(d => $"{index}:{d.Key}").ToList();
        var live = documents.Where(d => d.Unix >= cutoff).Select(d => $"{index}:{d.Key}").ToList();
        AssertOnEveryShard(expired);
        AssertOnEveryShard(live);

        var run = await pruner.RunAsync(CancellationToken.None);

        Assert.Equal(expired.Count, run.Deleted);
        Assert.Equal(0, run.Unparseable);
        foreach (var key in expired) Assert.False(await _data.Db.KeyExistsAsync(key), $"{key} is expired and still there");
        foreach (var key in live) Assert.True(await _data.Db.KeyExistsAsync(key), $"{key} is live and was deleted");
    }

    /// <summary>
    /// Counting that follows the stream, through the coordinator: the stream lives on one shard, the documents on all three,
    /// and FT.SEARCH … INKEYS through the coordinator returns exactly the documents named (FT.AGGREGATE would not).
    /// </summary>
    [RedisClusterFact]
    public async Task New_messages_on_every_shard_are_counted_from_the_stream_through_the_coordinator()
    {
        var (index, _) = await _data.SeedJsonIndexAsync(ManyDocuments(expired: 0, live: 30));
        var (adapter, connection, options) = _data.Scout(index);
        options.Stream = index + "_stream";
        options.Windows = [new("1h", TimeSpan.FromHours(1))];
        await ScoutPipeline.ResetCountsAsync(cluster.Connection);
        var scout = new ScoutPipeline(adapter, connection, options, new FakeTimeProvider(ContractData.ReferenceNow));
        try
        {
            Assert.Equal(30, (await scout.CycleAsync())["all"].TotalMessages); // the first start's full pass

            var added = ManyDocuments(expired: 0, live: 200).Skip(30).Select(d => d with { Key = "n" + d.Key, Severity = "CRITICAL" }).ToList();
            foreach (var document in added)
            {
                await _data.WriteJsonAsync($"{index}:{document.Key}", document);
                await _data.Db.StreamAddAsync(options.Stream, "messageID", $"{index}:{document.Key}");
            }
            AssertOnEveryShard(added.Select(d => $"{index}:{d.Key}"));
            await _data.WaitIndexedAsync(index, 30 + added.Count);

            var served = await scout.CycleAsync();
            Assert.Equal(30 + added.Count, served["all"].TotalMessages);
            Assert.Equal(added.Count, served["1h"].SeverityCounts["critical"]);
            Assert.Equal(0, scout.Metrics.FullPasses.WithLabels("reconciliation due").Value);
        }
        finally
        {
            await _data.Db.KeyDeleteAsync(options.Stream);
            await ScoutPipeline.ResetCountsAsync(cluster.Connection);
        }
    }

    /// <summary>Timestamps 48 h ago (expired at a 24 h TTL) and 30 min ago (live), spread over many systems.</summary>
    private static List<Document> ManyDocuments(int expired, int live)
    {
        Document Make(int i, DateTimeOffset at) => new($"m:{i:D5}", i % 7 == 0 ? "ERROR" : "info", $"system-{i % 40}",
            at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), at.ToUnixTimeSeconds());
        return
        [
            .. Enumerable.Range(0, expired).Select(i => Make(i, ContractData.ReferenceNow - TimeSpan.FromHours(48) + TimeSpan.FromSeconds(i))),
            .. Enumerable.Range(expired, live).Select(i => Make(i, ContractData.ReferenceNow - TimeSpan.FromMinutes(30))),
        ];
    }

    /// <summary>The keys live on all three primaries, so every shard's part of the answer is needed.</summary>
    private void AssertOnEveryShard(IEnumerable<string> keys)
    {
        var configuration = cluster.Connection.GetServer(cluster.Host, cluster.Port).ClusterConfiguration!;
        var owners = keys.Select(k => configuration.GetBySlot(cluster.Connection.HashSlot(k))!.EndPoint).Distinct().Count();
        Assert.Equal(RedisClusterFixture.ShardCount, owners);
    }
}
