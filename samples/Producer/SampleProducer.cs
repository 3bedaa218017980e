using System.Globalization;
using NRedisStack.RedisStackCommands;
using Scout.Search;
using StackExchange.Redis;

namespace Scout.Samples.Producer;

/// <summary>What to write: rate, systems, how long, which random sequence, and how many past days to fill first.</summary>
public sealed record ProducerOptions(
    string Index = "messages",
    string Stream = "messages",
    double Rate = 20,
    int Systems = 8,
    TimeSpan? Duration = null,
    int Seed = 1,
    int Backfill = 0,
    TimeSpan? BackfillSpan = null);

/// <summary>What was written, by lower-cased severity and by system: what Scout should count.</summary>
public sealed class ProducerReport
{
    public Dictionary<string, long> Severities { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> Systems { get; } = new(StringComparer.Ordinal);

    public long Total => Severities.Values.Sum();

    public override string ToString() =>
        $"wrote {Total} messages: " + string.Join(", ", Severities.OrderBy(s => s.Key).Select(s => $"{s.Key}={s.Value}")) +
        $"; {Systems.Count} systems";
}

/// <summary>
/// Writes messages as the homerun2 producers do: a RedisJSON document under <c>&lt;uuid&gt;-&lt;system&gt;</c> with the
/// producer's fields (RFC 3339 timestamp, severities in mixed case), then its key on the stream as field
/// <c>messageID</c> (XADD without a length cap). Creates the producer's index (ON JSON, all TEXT, no PREFIX) when it is missing.
/// </summary>
public sealed class SampleProducer(IDatabase db, ProducerOptions options, TimeProvider time)
{
    private static readonly string[] Severities = ["info", "INFO", "Info", "warning", "WARNING", "error", "ERROR", "critical", "Critical", "success"];
    private static readonly string[] Names = ["api-gateway", "billing", "auth", "worker-pool", "edge-proxy", "search", "mailer", "scheduler",
        "inventory", "payments", "reports", "notifier"];

    private readonly Random _random = new(options.Seed);

    public ProducerReport Report { get; } = new();

    public async Task EnsureIndexAsync()
    {
        try
        {
            await db.ExecuteAsync("FT.INFO", options.Index);
        }
        catch (RedisServerException missing) when (SearchErrors.IsMissingIndex(missing.Message))
        {
            await db.ExecuteAsync("FT.CREATE", options.Index, "ON", "JSON", "SCHEMA",
                "$.severity", "AS", "severity", "TEXT", "$.system", "AS", "system", "TEXT", "$.timestamp", "AS", "timestamp", "TEXT",
                "$.title", "AS", "title", "TEXT", "$.message", "AS", "message", "TEXT", "$.author", "AS", "author", "TEXT",
                "$.tags", "AS", "tags", "TEXT");
        }
    }

    /// <summary>The backfill (spread over the past span), then messages at the rate until the duration or cancellation.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await EnsureIndexAsync();
        // Within Scout's default retention (48 h): older messages would be pruned and the totals drift below what was written.
        var span = options.BackfillSpan ?? TimeSpan.FromDays(1);
        for (var i = 0; i < options.Backfill && !cancellationToken.IsCancellationRequested; i++)
            await WriteAsync(time.GetUtcNow() - TimeSpan.FromSeconds(_random.NextDouble() * span.TotalSeconds));
        var started = time.GetUtcNow();
        var interval = TimeSpan.FromSeconds(1 / Math.Max(0.001, options.Rate));
        while (!cancellationToken.IsCancellationRequested && (options.Duration is not { } d || time.GetUtcNow() - started < d))
        {
            await WriteAsync(time.GetUtcNow());
            try { await Task.Delay(interval, time, cancellationToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    private async Task WriteAsync(DateTimeOffset at)
    {
        var system = Names[_random.Next(Math.Clamp(options.Systems, 1, Names.Length))];
        var severity = Severities[_random.Next(Severities.Length)];
        var key = $"{Guid.NewGuid()}-{system}";
        await db.JSON().SetAsync(key, "$", new
        {
            title = $"{severity} from {system}",
            message = "sample message written by samples/Producer",
            severity,
            author = "sample-producer",
            timestamp = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            system,
            tags = "sample",
            assigneeaddress = "",
            assigneename = "",
            artifacts = "",
            url = "",
        });
        // No MAXLEN, as the homerun2 producers append: Scout's retention trims the stream by MINID, so every entry
        // stays until its message is past the retention, however many arrive between two of Scout's cycles.
        await db.StreamAddAsync(options.Stream, "messageID", key);
        var lower = severity.ToLowerInvariant();
        Report.Severities[lower] = Report.Severities.GetValueOrDefault(lower) + 1;
        Report.Systems[system] = Report.Systems.GetValueOrDefault(system) + 1;
    }
}
