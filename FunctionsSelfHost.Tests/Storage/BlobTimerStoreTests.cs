using FunctionsSelfHost.Settings;
using FunctionsSelfHost.Storage;
using FunctionsSelfHost.Timers;

namespace FunctionsSelfHost.Tests.Storage;

/// <summary>The timer store contract on a real Azurite blob service (AzureWebJobsStorage).</summary>
public sealed class BlobTimerStoreTests(AzuriteFixture azurite) : TimerStoreContract, IClassFixture<AzuriteFixture>
{
    protected override ITimerStore CreateStore() => BlobTimerStore.Create(azurite.ConnectionString, "selfhost-tests");

    protected override TimeSpan ShortestLease => TimeSpan.FromSeconds(15);

    protected override Task StopStorageAsync() => azurite.StopAsync();

    protected override async Task StartStorageAsync()
    {
        await azurite.StopAsync();
        await azurite.StartAsync(azurite.Port);
    }

    [Fact]
    public async Task Status_lives_where_the_Functions_host_keeps_it()
    {
        var store = BlobTimerStore.Create(azurite.ConnectionString, "my-host");
        var record = new TimerRecord(new ScheduleStatus(null, DateTimeOffset.Parse("2026-11-25T10:01:00Z"), DateTimeOffset.Parse("2026-11-25T10:00:00Z")),
            InvocationOutcome.Succeeded, 0.5);
        await store.SetRecordAsync("AggregateAnalytics", record);

        var container = new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, BlobTimerStore.ContainerName, new Azure.Storage.Blobs.BlobClientOptions(BlobTimerStore.PinnedServiceVersion));
        var content = await container.GetBlobClient("timers/my-host/AggregateAnalytics/status").DownloadContentAsync();
        var json = System.Text.Json.JsonDocument.Parse(content.Value.Content.ToString()).RootElement;
        Assert.Equal("2026-11-25T10:01:00+00:00", json.GetProperty("Next").GetString());
        Assert.Equal("2026-11-25T10:00:00+00:00", json.GetProperty("LastUpdated").GetString());
    }

    [Fact]
    public void A_malformed_connection_string_is_a_configuration_error_that_hides_the_value()
    {
        var error = Assert.Throws<ConfigurationError>(() => BlobTimerStore.Create("AccountKey=secret-key-material;nonsense", "h"));
        Assert.Contains("AzureWebJobsStorage", error.Message);
        Assert.DoesNotContain("secret-key-material", error.Message);
    }
}
