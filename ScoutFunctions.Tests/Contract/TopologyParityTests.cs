using System.Text.Json;
using Scout.Analytics;
using Scout.Http;
using Scout.Search;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Contract;

/// <summary>
/// The same documents on one Redis Stack node and on the three-shard cluster, counted by Scout's first cycle on each
/// (a full pass through the coordinator on the cluster): every snapshot (every window, every view: severities, systems,
/// alerts) is identical, byte for byte.
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

    [RedisClusterFact]
    public async Task Json_documents_give_identical_snapshots_on_one_node_and_on_three_shards()
    {
        var documents = ContractData.MixedDocuments();
        var (nodeIndex, _) = await _onNode.SeedJsonIndexAsync(documents);
        var (clusterIndex, _) = await _onCluster.SeedJsonIndexAsync(documents);

        var onNode = await SnapshotsAsync(_onNode, nodeIndex);
        var onCluster = await SnapshotsAsync(_onCluster, clusterIndex);

        Assert.Equal(documents.Count, onNode[0].TotalMessages);
        Assert.Equal(onNode.Count, onCluster.Count);
        for (var i = 0; i < onNode.Count; i++) Assert.Equal(Json(onNode[i]), Json(onCluster[i]));
    }

    [RedisClusterFact]
    public async Task Hashes_with_numeric_timestamps_give_identical_snapshots_on_one_node_and_on_three_shards()
    {
        var (nodeIndex, documents) = await _onNode.SeedHashIndexAsync(TimestampKind.Numeric, ContractData.MixedDocuments());
        var (clusterIndex, _) = await _onCluster.SeedHashIndexAsync(TimestampKind.Numeric, ContractData.MixedDocuments());

        var onNode = await SnapshotsAsync(_onNode, nodeIndex);
        var onCluster = await SnapshotsAsync(_onCluster, clusterIndex);

        Assert.Equal(documents.Count, onNode[0].TotalMessages);
        for (var i = 0; i < onNode.Count; i++) Assert.Equal(Json(onNode[i]), Json(onCluster[i]));
    }

    private static Task<IReadOnlyList<AnalyticsSnapshot>> SnapshotsAsync(ContractData data, string index) => data.CountThroughScoutAsync(index);

    /// <summary>
    /// The snapshot as stored, without the index name (each topology's run has its own) and the times each took (the
    /// cycle's and its full pass's).
    /// </summary>
    private static string Json(AnalyticsSnapshot snapshot) =>
        JsonSerializer.Serialize(snapshot with { Index = null, CycleDurationSeconds = 0, Reconciliation = snapshot.Reconciliation! with { DurationSeconds = 0 } }, ScoutJson.Options);
}
