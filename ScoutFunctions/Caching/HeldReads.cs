using System.Collections.Concurrent;
using Scout.Observability;
using Scout.Redis;
using ZiggyCreatures.Caching.Fusion;

namespace Scout.Caching;

/// <summary>
/// What the request path reads from Redis (snapshots, timer status), held in memory so that a frozen or slow Redis
/// never holds a request: once a value is held it is answered at once, and at most one read per key (single flight,
/// FusionCache's stampede protection) refreshes it in the background, each read limited to <see cref="ReadBounds.ReadLimit"/>.
/// A request waits only while nothing is held for its key yet, and then for at most <see cref="ReadBounds.FirstReadWait"/>.
/// Failed reads are never held: the last value read stays (FusionCache's fail-safe) and the failure is recorded in
/// <see cref="Status"/>, so callers can say how old what they serve is and that refreshing it fails.
/// </summary>
public sealed class HeldReads : IDisposable
{
    private readonly FusionCache _cache;
    private readonly TimeProvider _time;
    private readonly RedisFailure _failure;
    private readonly ScoutMetrics _metrics;
    private readonly ConcurrentDictionary<string, ReadStatus> _status = new();

    public HeldReads(TimeProvider time, RedisFailure failure, ScoutMetrics metrics)
    {
        _time = time;
        _failure = failure;
        _metrics = metrics;
        // Exported at 0 from the start, so a rate over them has a series before the first failure.
        foreach (var kind in new[] { SnapshotKind, TimerStatusKind }) metrics.HeldReadFailures.WithLabels(kind);
        _cache = new FusionCache(new FusionCacheOptions
        {
            CacheName = "scout-held-reads",
            DefaultEntryOptions = new FusionCacheEntryOptions
            {
                Duration = ReadBounds.FreshFor,
                IsFailSafeEnabled = true,
                FailSafeMaxDuration = ReadBounds.KeptWhileFailing,
                // After a failed refresh the held value counts as fresh again for this long: one read per key per interval.
                FailSafeThrottleDuration = ReadBounds.FreshFor,
                FactorySoftTimeout = ReadBounds.RefreshWait,
                FactoryHardTimeout = ReadBounds.FirstReadWait,
                AllowTimedOutFactoryBackgroundCompletion = true,
            },
        });
    }

    /// <summary>
    /// The value held for <paramref name="name"/> of <paramref name="kind"/> (<see cref="SnapshotKind"/>, <see cref="TimerStatusKind"/>), refreshed
    /// through <paramref name="read"/> as described above. Throws what the read threw, or a <see cref="TimeoutException"/>,
    /// only when nothing is held for it yet.
    /// </summary>
    public Task<T?> GetAsync<T>(string kind, string name, Func<Task<T?>> read) =>
        _cache.GetOrSetAsync<T?>(Key(kind, name), async (_, _) => await ReadAsync(kind, name, read)).AsTask()
            // Waiters queue on the lock of the single read in flight; none of them waits past the bound.
            .WaitAsync(ReadBounds.FirstReadWait, _time);

    /// <summary>When it was last read and whether its latest read failed; null before its first read.</summary>
    public ReadStatus? Status(string kind, string name) => _status.TryGetValue(Key(kind, name), out var status) ? status : null;

    private static string Key(string kind, string name) => kind + ":" + name;

    private async Task<T?> ReadAsync<T>(string kind, string name, Func<Task<T?>> read)
    {
        var key = Key(kind, name);
        try
        {
            var value = await read().WaitAsync(ReadBounds.ReadLimit, _time);
            _status[key] = new ReadStatus(_time.GetUtcNow(), null);
            return value;
        }
        catch (Exception error)
        {
            _status.TryGetValue(key, out var previous);
            _status[key] = new ReadStatus(previous?.LastReadAt, Describe(kind, error));
            _metrics.HeldReadFailures.WithLabels(kind).Inc();
            throw;
        }
    }

    // Snapshots are read from Redis; timer status from the timer store, which is Blob Storage when AzureWebJobsStorage is set.
    private string Describe(string kind, Exception error) => error is TimeoutException and not StackExchange.Redis.RedisTimeoutException
        ? $"{(kind == SnapshotKind ? $"redis {_failure.Address}" : "the timer store")} did not answer within {ReadBounds.ReadLimit.TotalSeconds:0.#} s"
        : _failure.Describe(error);

    /// <summary>The kinds held, as the failure counter labels them: snapshots (from Redis) and timer status (from the timer store).</summary>
    public const string SnapshotKind = "snapshot", TimerStatusKind = "timer_status";

    public void Dispose() => _cache.Dispose();
}

/// <summary>The outcome of the reads of one key: when it last succeeded, and the latest failure if it came after that.</summary>
public sealed record ReadStatus(DateTimeOffset? LastReadAt, string? Failure)
{
    public bool Failing => Failure is not null;
}
