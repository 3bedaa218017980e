using Scout.Search;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Contract;

/// <summary>
/// The FT.* adapter against a real RediSearch: seeds the recorded data set (cases.json) as JSON documents
/// (the producer's path) and as hashes with a NUMERIC timestamp (the older path), then checks every
/// window's counts, as Scout's first cycle counts them (a full pass), against numbers computed here
/// from the document list alone.
/// </summary>
[Trait("Category", "Contract")]
[Collection(RedisStackCollection.Name)]
public sealed class RediSearchContractTests(RedisStackFixture stack) : IAsyncLifetime
{
    private readonly ContractData _data = new(stack);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _data.DisposeAsync().AsTask();

    [RedisStackFact]
    public async Task Json_index_counts_match_the_data_set_for_every_window()
    {
        var (index, documents) = await _data.SeedJsonIndexAsync();

        await _data.AssertCountsAsync(index, documents, IndexKeyType.Json, TimestampKind.Text);
    }

    [RedisStackFact]
    public async Task Hash_index_with_numeric_timestamps_counts_match_the_data_set()
    {
        var (index, documents) = await _data.SeedHashIndexAsync(TimestampKind.Numeric);

        await _data.AssertCountsAsync(index, documents, IndexKeyType.Hash, TimestampKind.Numeric);
    }

    [RedisStackFact]
    public async Task Expired_keys_of_a_json_index_are_exactly_the_documents_before_the_cutoff_plus_unparseable_ones()
    {
        var (index, documents) = await _data.SeedJsonIndexAsync();

        var returned = await _data.ExpiredKeysAsync(index, IndexKeyType.Json, TimestampKind.Text);

        var cutoff = (ContractData.ReferenceNow - TimeSpan.FromHours(24)).ToUnixTimeSeconds();
        var expired = documents.Where(d => d.Unix < cutoff).Select(d => $"{index}:{d.Key}").ToHashSet();
        var unparseable = documents.Where(d => d.Unix is null).Select(d => $"{index}:{d.Key}").ToHashSet();
        Assert.Superset(expired, returned.Keys.ToHashSet());
        Assert.Subset(expired.Union(unparseable).ToHashSet(), returned.Keys.ToHashSet());
        Assert.All(returned, r => Assert.Equal(documents.Single(d => $"{index}:{d.Key}" == r.Key).Timestamp, r.Value));
    }

    [RedisStackFact]
    public async Task Expired_keys_of_a_hash_index_with_numeric_timestamps_are_exactly_the_documents_before_the_cutoff()
    {
        var (index, documents) = await _data.SeedHashIndexAsync(TimestampKind.Numeric);

        var returned = await _data.ExpiredKeysAsync(index, IndexKeyType.Hash, TimestampKind.Numeric);

        var cutoff = (ContractData.ReferenceNow - TimeSpan.FromHours(24)).ToUnixTimeSeconds();
        Assert.Equal(documents.Where(d => d.Unix < cutoff).Select(d => $"{index}:{d.Key}").Order(), returned.Keys.Order());
    }

    [RedisStackFact]
    public async Task A_missing_index_is_created_with_the_producer_schema()
    {
        var adapter = _data.Adapter(_data.Run + "_created");
        var definition = await adapter.EnsureIndexAsync(CancellationToken.None);

        Assert.Equal(new IndexDefinition(_data.Run + "_created", IndexKeyType.Json, TimestampKind.Text), definition with { ByKey = null });
    }

    [RedisStackFact]
    public async Task An_own_index_left_by_an_earlier_scout_is_dropped_once_never_its_documents_or_the_producers_index()
    {
        var (index, documents) = await _data.SeedJsonIndexAsync();
        var adapter = _data.Adapter(index);
        var leftover = "scout_" + index;
        await CreateLeftoverAsync(leftover, index);
        await _data.WaitIndexedAsync(leftover, documents.Count);
        var producerBefore = await _data.InfoAsync(index);

        var definition = await adapter.EnsureIndexAsync(CancellationToken.None);

        Assert.Equal(new IndexDefinition(index, IndexKeyType.Json, TimestampKind.Text), definition with { ByKey = null });
        Assert.Null(await _data.InfoAsync(leftover));
        var producerAfter = await _data.InfoAsync(index);
        Assert.Equal(producerBefore!.NumDocs, producerAfter!.NumDocs);
        Assert.Equal(producerBefore.Fields, producerAfter.Fields);
        foreach (var d in documents)
            Assert.True(await _data.Db.KeyExistsAsync($"{index}:{d.Key}"), $"{d.Key} was deleted");

        // Looked for once per process, not every cycle: an index of that name made afterwards is left to the operator.
        await CreateLeftoverAsync(leftover, index);
        await adapter.EnsureIndexAsync(CancellationToken.None);
        Assert.NotNull(await _data.InfoAsync(leftover));
    }

    /// <summary>The own index an earlier Scout created (SCOUT_OWN_INDEX) over the producer's documents: sortable TAGs.</summary>
    private Task CreateLeftoverAsync(string name, string producer) => _data.Db.ExecuteAsync("FT.CREATE", name, "ON", "JSON", "PREFIX", "1", producer + ":",
        "SCHEMA", "$.severity", "AS", "severity", "TAG", "SORTABLE", "$.system", "AS", "system", "TAG", "SORTABLE");
}
