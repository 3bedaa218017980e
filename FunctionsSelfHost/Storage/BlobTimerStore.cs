using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using FunctionsSelfHost.Settings;
using FunctionsSelfHost.Timers;

namespace FunctionsSelfHost.Storage;

/// <summary>
/// Timer coordination in the AzureWebJobsStorage account, laid out like the Functions host's:
/// container azure-webjobs-hosts, schedule status in timers/{hostId}/{function}/status and one lease
/// blob per function under locks/{hostId}/{function} for the singleton lock.
/// </summary>
public sealed class BlobTimerStore : ITimerStore
{
    public const string ContainerName = "azure-webjobs-hosts";

    /// <summary>The Blob service version the store sends (x-ms-version).</summary>
    public const BlobClientOptions.ServiceVersion PinnedServiceVersion = BlobClientOptions.ServiceVersion.V2026_06_06;

    // Blob leases last 15 to 60 seconds (or forever, which a crashed holder would never give back).
    private static readonly TimeSpan MinLease = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan MaxLease = TimeSpan.FromSeconds(60);

    private readonly BlobContainerClient _container;
    private readonly string _hostId;
    private bool _containerReady;

    public BlobTimerStore(BlobContainerClient container, string hostId)
    {
        _container = container;
        _hostId = hostId;
    }

    /// <summary>Builds the store from AzureWebJobsStorage; a malformed connection string is a configuration error.</summary>
    public static BlobTimerStore Create(string connectionString, string hostId)
    {
        // A tick that cannot reach storage is skipped: fail in seconds rather than retry for minutes.
        // Pinned to the newest service version the repository's Azurite (test-tools/package-lock.json, 3.37.0) accepts,
        // so `azurite-blob --location …` works as the README says; Azure Storage serves every older version too.
        var options = new BlobClientOptions(PinnedServiceVersion);
        options.Retry.MaxRetries = 1;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
        BlobServiceClient service;
        try
        {
            service = new BlobServiceClient(connectionString, options);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            // The connection string holds the account key: never echo it.
            throw new ConfigurationError("AzureWebJobsStorage", connectionString,
                "a storage connection string (DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…) or UseDevelopmentStorage=true", secret: true);
        }
        return new BlobTimerStore(service.GetBlobContainerClient(ContainerName), hostId);
    }

    public string StatusBlobName(string function) => $"timers/{_hostId}/{function}/status";

    public string LockBlobName(string function) => $"locks/{_hostId}/{function}";

    public async Task<ITimerLease?> TryAcquireLeaseAsync(string function, TimeSpan duration)
    {
        await EnsureContainerAsync();
        var blob = _container.GetBlobClient(LockBlobName(function));
        await CreateLockBlobAsync(blob);
        var lease = blob.GetBlobLeaseClient();
        var length = duration < MinLease ? MinLease : duration > MaxLease ? MaxLease : duration;
        try
        {
            await lease.AcquireAsync(length);
            return new Lease(lease);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return null;
        }
    }

    public async Task<TimerRecord?> GetRecordAsync(string function)
    {
        try
        {
            var content = await _container.GetBlobClient(StatusBlobName(function)).DownloadContentAsync();
            return TimerRecords.Parse(() => content.Value.Content.ToObjectFromJson(BlobStatusJson.Default.StatusDocument)?.ToRecord());
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task SetRecordAsync(string function, TimerRecord record)
    {
        await EnsureContainerAsync();
        var json = BinaryData.FromObjectAsJson(StatusDocument.From(record), BlobStatusJson.Default.StatusDocument);
        await _container.GetBlobClient(StatusBlobName(function)).UploadAsync(json, overwrite: true);
    }

    private async Task EnsureContainerAsync()
    {
        if (_containerReady) return;
        await _container.CreateIfNotExistsAsync();
        _containerReady = true;
    }

    private static async Task CreateLockBlobAsync(BlobClient blob)
    {
        try
        {
            await blob.UploadAsync(BinaryData.Empty, overwrite: false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Already there (and perhaps leased by another host): exactly what the lock needs.
        }
    }

    /// <summary>The Functions host's status document (Last, Next, LastUpdated) plus the self-host's last outcome.</summary>
    internal sealed record StatusDocument(
        DateTimeOffset? Last, DateTimeOffset Next, DateTimeOffset LastUpdated, string LastOutcome, double LastDurationSeconds, string? LastError)
    {
        public static StatusDocument From(TimerRecord r) => new(
            r.ScheduleStatus.Last, r.ScheduleStatus.Next, r.ScheduleStatus.LastUpdated, r.LastOutcome, r.LastDurationSeconds, r.LastError);

        public TimerRecord ToRecord() => new(new ScheduleStatus(Last, Next, LastUpdated), LastOutcome, LastDurationSeconds, LastError);
    }

    private sealed class Lease(BlobLeaseClient lease) : ITimerLease
    {
        public async Task<bool> RenewAsync()
        {
            try
            {
                await lease.RenewAsync();
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await lease.ReleaseAsync();
            }
            catch (Exception)
            {
                // Storage is gone or the lease was taken over: it expires on its own.
            }
        }
    }
}

/// <summary>The Functions host writes PascalCase status documents.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BlobTimerStore.StatusDocument))]
internal sealed partial class BlobStatusJson : JsonSerializerContext;
