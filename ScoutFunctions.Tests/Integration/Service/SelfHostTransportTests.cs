using System.Net;
using System.Text.Json;
using Azure.Storage.Blobs;
using FunctionsSelfHost.Storage;
using Scout.Samples.Producer;
using Scout.Tests.Contract;
using Scout.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Scout.Tests.Integration.Service;

/// <summary>
/// The self-host as a process (the native AOT binary under SCOUT_TEST_NATIVE_SELFHOST) over mutual TLS to a Redis Stack,
/// with its timers' leases and status in Blob Storage (Azurite): it counts what a producer wrote, and its timers run
/// and are recorded where the Functions host records them.
/// </summary>
[Trait(ScoutProcess.Trait, ScoutProcess.SelfHost)]
public sealed class SelfHostTransportTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Token = "transport-token-3b9e";
    private readonly AzuriteFixture _azurite = new();

    public Task InitializeAsync() => _azurite.InitializeAsync();

    public Task DisposeAsync() => _azurite.DisposeAsync();

    [RedisStackModulesFact]
    public async Task Over_mutual_tls_with_blob_leases_the_self_host_counts_and_records_its_timers()
    {
        using var certificates = TestCertificates.Create("127.0.0.1");
        await using var redis = await TlsRedisServer.StartAsync(certificates, requireClientCertificates: true, redisStack: true);
        var producer = new SampleProducer(redis.Database,
            new ProducerOptions(Rate: 100, Systems: 3, Duration: TimeSpan.FromSeconds(1), Seed: 11, Backfill: 60), TimeProvider.System);
        await producer.RunAsync(CancellationToken.None);

        await using var http = SelfHostHttp.Start(Token, output,
            ("REDIS_ADDR", "127.0.0.1"), ("REDIS_PORT", redis.Port.ToString()),
            ("REDIS_PASSWORD", AclRedisStack.AdminPassword), ("REDIS_TLS", "true"), ("REDIS_TLS_CA_FILE", certificates.CaFile),
            ("REDIS_TLS_CERT_FILE", certificates.ClientCertFile), ("REDIS_TLS_KEY_FILE", certificates.ClientKeyFile),
            ("SCOUT_INTERVAL", "1s"), ("SCOUT_RETENTION_SCHEDULE", "00:00:01"), ("AzureWebJobsStorage", _azurite.ConnectionString));
        var client = http.Client;
        await http.EventuallyServedAsync("/analytics/summary", producer.Report.Total);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);

        // The timers ran under their Blob leases and wrote their status where the Functions host keeps it.
        var container = new BlobServiceClient(_azurite.ConnectionString, new BlobClientOptions(BlobTimerStore.PinnedServiceVersion)).GetBlobContainerClient(BlobTimerStore.ContainerName);
        var names = new List<string>();
        await Messages.EventuallyAsync(async () =>
        {
            names.Clear();
            await foreach (var blob in container.GetBlobsAsync()) names.Add(blob.Name);
            return names.Any(n => n.StartsWith("timers/", StringComparison.Ordinal) && n.EndsWith("/PruneRetention/status", StringComparison.Ordinal))
                && names.Any(n => n.StartsWith("locks/", StringComparison.Ordinal) && n.EndsWith("/AggregateAnalytics", StringComparison.Ordinal));
        }, "the timers' status and lease blobs exist in Azurite", seconds: 20);
        // /health reads the schedule status back from the blobs (held for a moment between reads).
        await Messages.EventuallyAsync(async () => JsonDocument.Parse(await client.GetStringAsync("/health")).RootElement
                .GetProperty("functions").GetProperty("AggregateAnalytics").TryGetProperty("lastRun", out _),
            "/health shows AggregateAnalytics' last run from its status blob", seconds: 20);
    }
}
