using Azure.Storage.Blobs;
using FunctionsSelfHost.Storage;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.TimerStores;

/// <summary>The app picks its timer store like the Functions host: AzureWebJobsStorage when set, else Redis.</summary>
public sealed class StorageWiringTests(AzuriteFixture azurite, RedisServerFixture redis)
    : IClassFixture<AzuriteFixture>, IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task With_AzureWebJobsStorage_timer_status_is_written_to_blob_storage_under_the_host_id()
    {
        await redis.FlushAsync();
        var settings = ScoutApp.Settings(redis.Port, ("AzureWebJobsStorage", azurite.ConnectionString), ("AzureFunctionsWebHost:hostid", "scout-wiring"));
        await using var app = await ScoutApp.StartAsync(settings, new PlainRedisSearchIndex(redis.Database));
        var status = new BlobContainerClient(azurite.ConnectionString, BlobTimerStore.ContainerName, new BlobClientOptions(BlobTimerStore.PinnedServiceVersion))
            .GetBlobClient("timers/scout-wiring/AggregateAnalytics/status");
        await Messages.EventuallyAsync(async () => (await status.ExistsAsync()).Value, "the start-up aggregation stores its status blob");
        Assert.False(await redis.Database.KeyExistsAsync("{scout}:timer:AggregateAnalytics:status"));
    }

    [Fact]
    public async Task Without_it_timer_status_is_kept_in_redis()
    {
        await redis.FlushAsync();
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port), new PlainRedisSearchIndex(redis.Database));
        await Messages.EventuallyAsync(() => redis.Database.KeyExistsAsync("{scout}:timer:AggregateAnalytics:status"),
            "the start-up aggregation stores its status in Redis");
    }
}
