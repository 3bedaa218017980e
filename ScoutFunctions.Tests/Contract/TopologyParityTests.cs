using System.Text.Json;
using Scout.Analytics;
using Scout.Http;
using Scout.Search;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Contract;

/// <summary>
/// The same documents on one Redis Stack node and on the three-shard cluster, aggregated through Scout's adapter on
/// each: every snapshot (every window, every view: severities, systems, alerts) is identical, byte for byte.
/// </summary>
[Trait("Category", "Contract")]
[Collection(RedisClusterCollection.Name)]
public sealed class TopologyParityTests(RedisClusterFixture cluster, RedisStackFixture node) : IClassFixture<RedisStackFixture>, IAsyncLifetime
{
    private readonly ContractData _onCluster = new(cluster);
    private readonly ContractData _onNode = new(node);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _onCluster.DisposeAsync();
        await _onNode.DisposeAsync();
    }

    [RedisClusterTheory]
    [InlineData(IndexSource.Producer)]
    [InlineData(IndexSource.Scout)]
    public async Task Json_documents_give_identical_snapshots_on_one_node_and_on_three_shards(IndexSource source)
    {
        var documents = ContractData.MixedDocuments();
        var (nodeIndex, _) = await _onNode.SeedJsonIndexAsync(documents);
        var (clusterIndex, _) = await _onCluster.SeedJsonIndexAsync(documents);

        var onNode = await SnapshotsAsync(_onNode, nodeIndex, source);
        var onCluster = await SnapshotsAsync(_onCluster, clusterIndex, source);

        Assert.Equal(documents.Count, onNode[0].TotalMessages);
        Assert.Equal(onNode.Count, onCluster.Count);
        for (var i = 0; i < onNode.Count; i++) Assert.Equal(Json(onNode[i]), Json(onCluster[i]));
    }

    [RedisClusterTheory]
    [InlineData(IndexSource.Producer)]
    [InlineData(IndexSource.Scout)]
    public async Task Hashes_with_numeric_timestamps_give_identical_snapshots_on_one_node_and_on_three_shards(IndexSource source)
    {
        var (nodeIndex, documents) = await _onNode.SeedHashIndexAsync(TimestampKind.Numeric, ContractData.MixedDocuments());
        var (clusterIndex, _) = await _onCluster.SeedHashIndexAsync(TimestampKind.Numeric, ContractData.MixedDocuments());

        var onNode = await SnapshotsAsync(_onNode, nodeIndex, source);
        var onCluster = await SnapshotsAsync(_onCluster, clusterIndex, source);

        Assert.Equal(documents.Count, onNode[0].TotalMessages);
        for (var i = 0; i < onNode.Count; i++) Assert.Equal(Json(onNode[i]), Json(onCluster[i]));
    }

    private static async Task<IReadOnlyList<AnalyticsSnapshot>> SnapshotsAsync(ContractData data, string index, IndexSource source)
    {
        var (adapter, definition) = await data.ResolveAsync(index, source);
        return await ContractData.SnapshotsAsync(adapter, definition);
    }

    /// <summary>The snapshot as stored, without the index name (each topology's run has its own).</summary>
    private static string Json(AnalyticsSnapshot snapshot) => JsonSerializer.Serialize(snapshot with { Index = null }, ScoutJson.Options);
}
