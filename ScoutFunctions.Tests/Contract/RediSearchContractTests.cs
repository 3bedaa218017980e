using Scout.Search;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Contract;

/// <summary>
/// The FT.* adapter against a real RediSearch: seeds the recorded data set (cases.json) as JSON documents
/// (the producer's path) and as hashes with a NUMERIC timestamp (the older path), then checks every
/// window's counts, through the producer's index and through Scout's own, against numbers computed here
/// from the document list alone.
/// </summary>
[Trait("Category", "Contract")]
[Collection(RedisStackCollection.Name)]
public sealed class RediSearchContractTests(RedisStackFixture stack) : IAsyncLifetime
{
    private readonly ContractData _data = new(stack);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _data.DisposeAsync().AsTask();

    [RedisStackTheory]
    [InlineData(IndexSource.Producer)]
    [InlineData(IndexSource.Scout)]
    public async Task Json_index_counts_match_the_data_set_for_every_window(IndexSource source)
    {
        var (index, documents) = await _data.SeedJsonIndexAsync();

        await _data.AssertCountsAsync(index, documents, IndexKeyType.Json, TimestampKind.Text, source);
    }

    [RedisStackTheory]
    [InlineData(IndexSource.Producer)]
    [InlineData(IndexSource.Scout)]
    public async Task Hash_index_with_numeric_timestamps_counts_match_the_data_set(IndexSource source)
    {
        var (index, documents) = await _data.SeedHashIndexAsync(TimestampKind.Numeric);

        await _data.AssertCountsAsync(index, documents, IndexKeyType.Hash, TimestampKind.Numeric, source);
    }

    [RedisStackTheory]
    [InlineData(IndexSource.Producer)]
    [InlineData(IndexSource.Scout)]
    public async Task Expired_keys_of_a_json_index_are_exactly_the_documents_before_the_cutoff_plus_unparseable_ones(IndexSource source)
    {
        var (index, documents) = await _data.SeedJsonIndexAsync();

        var returned = await _data.ExpiredKeysAsync(index, IndexKeyType.Json, TimestampKind.Text, source);

        var cutoff = (ContractData.ReferenceNow - TimeSpan.FromHours(24)).ToUnixTimeSeconds();
        var expired = documents.Where(d => d.Unix < cutoff).Select(d => $"{index}:{d.Key}").ToHashSet();
        var unparseable = documents.Where(d => d.Unix is null).Select(d => $"{index}:{d.Key}").ToHashSet();
        Assert.Superset(expired, returned.Keys.ToHashSet());
        Assert.Subset(expired.Union(unparseable).ToHashSet(), returned.Keys.ToHashSet());
        Assert.All(returned, r => Assert.Equal(documents.Single(d => $"{index}:{d.Key}" == r.Key).Timestamp, r.Value));
    }

    [RedisStackTheory]
    [InlineData(IndexSource.Producer)]
    [InlineData(IndexSource.Scout)]
    public async Task Expired_keys_of_a_hash_index_with_numeric_timestamps_are_exactly_the_documents_before_the_cutoff(IndexSource source)
    {
        var (index, documents) = await _data.SeedHashIndexAsync(TimestampKind.Numeric);

        var returned = await _data.ExpiredKeysAsync(index, IndexKeyType.Hash, TimestampKind.Numeric, source);

        var cutoff = (ContractData.ReferenceNow - TimeSpan.FromHours(24)).ToUnixTimeSeconds();
        Assert.Equal(documents.Where(d => d.Unix < cutoff).Select(d => $"{index}:{d.Key}").Order(), returned.Keys.Order());
    }

    [RedisStackFact]
    public async Task A_missing_index_is_created_with_the_producer_schema()
    {
        var adapter = _data.Adapter(_data.Run + "_created", ownIndex: false);
        var definition = await adapter.EnsureIndexAsync(CancellationToken.None);

        Assert.Equal(new IndexDefinition(_data.Run + "_created", IndexKeyType.Json, TimestampKind.Text), definition);
    }
}
