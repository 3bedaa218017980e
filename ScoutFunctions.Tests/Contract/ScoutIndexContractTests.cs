using System.Globalization;
using Scout.Search;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Contract;

/// <summary>
/// Scout's own index on a real Redis Stack: the same counts as the producer's index on every window and key
/// type, its life cycle (created while the producer writes, read only once built, rebuilt when the producer's
/// index changes, dropped when turned off) and replicas racing to create it.
/// </summary>
[Trait("Category", "Contract")]
[Collection(RedisStackCollection.Name)]
public sealed class ScoutIndexContractTests(RedisStackFixture stack) : IAsyncLifetime
{
    private readonly ContractData _data = new(stack);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _data.DisposeAsync().AsTask();

    public static TheoryData<string> Layouts => new() { "json", "hash-numeric", "hash-text" };

    [RedisStackTheory]
    [MemberData(nameof(Layouts))]
    public async Task Counts_through_scouts_index_equal_counts_through_the_producers_for_every_window(string layout)
    {
        var documents = ContractData.MixedDocuments();
        var (index, seeded) = layout switch
        {
            "json" => await _data.SeedJsonIndexAsync(documents),
            "hash-numeric" => await _data.SeedHashIndexAsync(TimestampKind.Numeric, documents),
            _ => await _data.SeedHashIndexAsync(TimestampKind.Text, documents),
        };
        var adapter = _data.Adapter(index);

        var scout = await ContractData.ScoutIndexAsync(adapter);
        var producer = await Producer(index);

        await AssertSameCountsAsync(adapter, producer, scout, seeded.Count);
        // Case differences are merged, never dropped: "Edge Proxy" and "edge proxy" stay two systems, like on the producer's index.
        var all = (await ContractData.SnapshotsAsync(adapter, scout))[0];
        Assert.Contains(all.Systems, s => s.System == "Edge Proxy");
        Assert.Contains(all.Systems, s => s.System == "billing,eu");
        Assert.DoesNotContain(all.SeverityCounts.Keys, k => k != k.ToLowerInvariant());
    }

    [RedisStackTheory]
    [InlineData("json")]
    [InlineData("hash-numeric")]
    public async Task Expired_keys_through_scouts_index_equal_those_through_the_producers(string layout)
    {
        var (index, _) = layout == "json"
            ? await _data.SeedJsonIndexAsync(ContractData.MixedDocuments())
            : await _data.SeedHashIndexAsync(TimestampKind.Numeric, ContractData.MixedDocuments());
        var adapter = _data.Adapter(index);
        var scout = await ContractData.ScoutIndexAsync(adapter);
        var producer = await Producer(index);

        var cutoff = ContractData.ReferenceNow - TimeSpan.FromHours(24);
        var throughScout = await ContractData.ExpiredAsync(adapter, scout, cutoff);
        var throughProducer = await ContractData.ExpiredAsync(adapter, producer, cutoff);

        Assert.NotEmpty(throughProducer);
        Assert.Equal(throughProducer.OrderBy(kv => kv.Key), throughScout.OrderBy(kv => kv.Key));
    }

    [RedisStackFact]
    public async Task Created_while_the_producer_writes_it_ends_with_every_document()
    {
        var prefix = _data.Run + "_live:";
        var index = await _data.CreateJsonIndexAsync(_data.Run + "_live", prefix);
        var adapter = _data.Adapter(index);
        const int Written = 3000;
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < Written; i += 100)
                await Task.WhenAll(Enumerable.Range(i, 100).Select(n => _data.WriteJsonAsync(prefix + n.ToString(CultureInfo.InvariantCulture),
                    new Document(n.ToString(CultureInfo.InvariantCulture), n % 3 == 0 ? "ERROR" : "info", "sys" + (n % 7), Timestamp(n), null))));
        });

        // The first cycle creates Scout's index while the writes go on, and reads the producer's.
        Assert.Equal(IndexSource.Producer, (await adapter.EnsureIndexAsync(CancellationToken.None)).Source);
        await writer;
        await _data.WaitIndexedAsync(index, Written);

        var scout = await ContractData.ScoutIndexAsync(adapter);
        await AssertSameCountsAsync(adapter, await Producer(index), scout, Written);
    }

    [RedisStackFact]
    public async Task Every_cycle_while_scouts_index_is_being_built_reads_the_producers_and_counts_everything()
    {
        const int Documents = 20_000;
        var prefix = _data.Run + "_big:";
        var index = await _data.CreateJsonIndexAsync(_data.Run + "_big", prefix);
        for (var i = 0; i < Documents; i += 1000)
            await Task.WhenAll(Enumerable.Range(i, 1000).Select(n => _data.WriteJsonAsync(prefix + n.ToString(CultureInfo.InvariantCulture),
                new Document(n.ToString(CultureInfo.InvariantCulture), "Warning", "sys" + (n % 50), Timestamp(n), null))));
        await _data.WaitIndexedAsync(index, Documents);
        var adapter = _data.Adapter(index);

        var cycles = new List<(IndexSource Source, bool IndexingAfter, long Total)>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (cycles.Count == 0 || cycles[^1].Source == IndexSource.Producer)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Scout's own index was not used within 60 s ({cycles.Count} cycles)");
            // Cycles back to back would hold Redis' main thread and starve the index's background scan; a real
            // schedule leaves it time (SCOUT_INTERVAL is seconds or more).
            if (cycles.Count > 0) await Task.Delay(250);
            var definition = await adapter.EnsureIndexAsync(CancellationToken.None);
            var total = (await ContractData.SnapshotsAsync(adapter, definition))[0].TotalMessages;
            var own = await _data.InfoAsync("scout_" + index);
            cycles.Add((definition.Source, own!.Indexing, total));
        }

        Assert.Equal(IndexSource.Producer, cycles[0].Source);
        Assert.All(cycles, c => Assert.Equal(Documents, c.Total));
        Assert.Equal(Documents, (await _data.InfoAsync("scout_" + index))!.NumDocs);
    }

    [RedisStackFact]
    public async Task Turned_off_it_drops_only_its_own_index_never_the_documents_or_the_producers_index()
    {
        var (index, documents) = await _data.SeedJsonIndexAsync();
        await ContractData.ScoutIndexAsync(_data.Adapter(index));
        var producerBefore = await _data.InfoAsync(index);

        var definition = await _data.Adapter(index, ownIndex: false).EnsureIndexAsync(CancellationToken.None);

        Assert.Equal(new IndexDefinition(index, IndexKeyType.Json, TimestampKind.Text, IndexSource.Producer), definition);
        Assert.Null(await _data.InfoAsync("scout_" + index));
        var producerAfter = await _data.InfoAsync(index);
        Assert.Equal(producerBefore!.NumDocs, producerAfter!.NumDocs);
        Assert.Equal(producerBefore.Fields, producerAfter.Fields);
        foreach (var d in documents)
            Assert.True(await _data.Db.KeyExistsAsync($"{index}:{d.Key}"), $"{d.Key} was deleted");
    }

    [RedisStackFact]
    public async Task When_the_producers_index_is_recreated_differently_scouts_index_follows_it()
    {
        var (index, documents) = await _data.SeedJsonIndexAsync();
        var adapter = _data.Adapter(index);
        await ContractData.ScoutIndexAsync(adapter);
        // The producer recreates its index over a second prefix too (its documents stay).
        var second = index + "b:";
        await _data.Db.ExecuteAsync("FT.DROPINDEX", index);
        await _data.CreateJsonIndexAsync(index, index + ":", second);
        await Task.WhenAll(documents.Select(d => _data.WriteJsonAsync(second + d.Key, d)));
        await _data.WaitIndexedAsync(index, documents.Count * 2);

        Assert.Equal(IndexSource.Producer, (await adapter.EnsureIndexAsync(CancellationToken.None)).Source);
        var scout = await ContractData.ScoutIndexAsync(adapter);

        Assert.Equal([index + ":", second], (await _data.InfoAsync(scout.Name))!.Prefixes);
        await AssertSameCountsAsync(adapter, await Producer(index), scout, documents.Count * 2);
    }

    [RedisStackFact]
    public async Task Replicas_creating_it_at_the_same_time_all_succeed_and_agree()
    {
        var (index, documents) = await _data.SeedJsonIndexAsync();
        var replicas = Enumerable.Range(0, 4).Select(_ => _data.Adapter(index)).ToList();

        var first = await Task.WhenAll(replicas.Select(r => r.EnsureIndexAsync(CancellationToken.None)));
        var built = await Task.WhenAll(replicas.Select(ContractData.ScoutIndexAsync));

        // Whoever created it reads the producer's index; a replica that arrives once it is built may read it at once.
        Assert.Contains(first, d => d.Source == IndexSource.Producer);
        Assert.All(first, d => Assert.Equal(d.Source == IndexSource.Scout ? "scout_" + index : index, d.Name));
        Assert.All(built, d => Assert.Equal("scout_" + index, d.Name));
        await AssertSameCountsAsync(replicas[0], await Producer(index), built[0], documents.Count);
    }

    private static string Timestamp(int n) =>
        (ContractData.ReferenceNow - TimeSpan.FromMinutes(n % 3000)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The producer's definition from FT.INFO, without resolving (which would create or drop Scout's index).</summary>
    private async Task<IndexDefinition> Producer(string index) => (await _data.InfoAsync(index))!.Definition;

    private static async Task AssertSameCountsAsync(RediSearchIndex adapter, IndexDefinition producer, IndexDefinition scout, int documents)
    {
        Assert.Equal(IndexSource.Producer, producer.Source);
        Assert.Equal(IndexSource.Scout, scout.Source);
        var expected = await ContractData.SnapshotsAsync(adapter, producer);
        var actual = await ContractData.SnapshotsAsync(adapter, scout);

        Assert.Equal(documents, expected[0].TotalMessages);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Window, actual[i].Window);
            Assert.Equal(expected[i].TotalMessages, actual[i].TotalMessages);
            Assert.Equal(expected[i].SeverityCounts.OrderBy(kv => kv.Key), actual[i].SeverityCounts.OrderBy(kv => kv.Key));
            Assert.Equal(expected[i].Systems, actual[i].Systems);
            Assert.Equal(expected[i].SystemsTotal, actual[i].SystemsTotal);
            Assert.Equal(expected[i].Alerts.TotalAlerts, actual[i].Alerts.TotalAlerts);
            Assert.Equal(expected[i].Alerts.TopSystems, actual[i].Alerts.TopSystems);
        }
    }
}
