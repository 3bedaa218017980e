using System.Diagnostics;
using Microsoft.Extensions.Options;
using Scout.Caching;
using Scout.Configuration;
using Scout.Observability;
using Scout.Redis;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Unit.Caching;

/// <summary>
/// What the request path reads through: answered at once once something is held, one read per key at a time,
/// a bounded wait only while nothing is held, failures recorded and never held. Reads are scripted (a source that
/// answers, hangs until released, or fails) so each case is exact; the frozen real Redis is in Integration/Load.
/// </summary>
public sealed class HeldReadsTests : IDisposable
{
    private readonly ScoutMetrics _metrics = new();
    private readonly RedisConnection _connection; // never connected: only names the address in failures
    private readonly HeldReads _held;

    public HeldReadsTests()
    {
        var options = Options.Create(new ScoutOptions { RedisAddr = "127.0.0.1", RedisPort = 6399 });
        _connection = new RedisConnection(options);
        _held = new HeldReads(TimeProvider.System, new RedisFailure(options, _connection), _metrics);
    }

    public void Dispose()
    {
        _held.Dispose();
        _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>A scripted source: counts its reads; each read answers the current value, or waits for <see cref="Gate"/>.</summary>
    private sealed class Source
    {
        private int _reads;
        public int Reads => Volatile.Read(ref _reads);
        public string? Value { get; set; }
        public TaskCompletionSource? Gate { get; set; }
        public Exception? Failure { get; set; }

        public async Task<string?> ReadAsync()
        {
            Interlocked.Increment(ref _reads);
            if (Gate is { } gate) await gate.Task;
            if (Failure is { } failure) throw failure;
            return Value;
        }
    }

    private Task<string?> Get(Source source, string name = "all") => _held.GetAsync("snapshot", name, source.ReadAsync);

    private double Failures(string kind) => _metrics.HeldReadFailures.WithLabels(kind).Value;

    [Fact]
    public async Task A_held_value_is_answered_at_once_while_its_single_refresh_hangs()
    {
        var source = new Source { Value = "first" };
        Assert.Equal("first", await Get(source));
        Assert.Equal(1, source.Reads);

        source.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Value = "second";
        await Task.Delay(ReadBounds.FreshFor + TimeSpan.FromMilliseconds(100));
        var watch = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Get(source)));
        watch.Stop();

        Assert.All(answers, a => Assert.Equal("first", a));
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(500), $"50 requests took {watch.ElapsedMilliseconds} ms while the refresh hung");
        Assert.Equal(2, source.Reads); // one refresh for all of them

        source.Gate.SetResult();
        await Messages.EventuallyAsync(async () => await Get(source) == "second", "the refresh's value once it completes", seconds: 5);
    }

    [Fact]
    public async Task A_hanging_refresh_ends_at_its_time_limit_is_recorded_and_is_retried_once_per_freshness_period()
    {
        var source = new Source { Value = "held" };
        await Get(source);
        source.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = DateTimeOffset.UtcNow;
        var deadline = started + ReadBounds.ReadLimit * 3;
        var slowest = TimeSpan.Zero;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal("held", await Get(source).WaitAsync(ReadBounds.ReadLimit * 2));
            if (watch.Elapsed > slowest) slowest = watch.Elapsed;
            await Task.Delay(20);
        }
        // A read that waited on the hanging refresh would wait out most of its time limit (the first one after each
        // refresh starts, 20 ms later, nearly all of it); a held answer waits none of it. Bounded by the limit, not by a
        // few hundred ms: a loaded CI machine once held the thread pool for more than 500 ms here.
        Assert.True(slowest < ReadBounds.ReadLimit * 0.9, $"the slowest read took {slowest.TotalMilliseconds:0} ms");

        var status = _held.Status("snapshot", "all");
        Assert.NotNull(status);
        Assert.True(status.Failing);
        Assert.Contains("did not answer within", status.Failure);
        Assert.True(status.LastReadAt < started);
        Assert.True(Failures("snapshot") >= 1);
        // Over 3 time limits of requests every 20 ms: a handful of reads (one at a time, each ending at its limit), not hundreds.
        var bound = 1 + (int)Math.Ceiling((ReadBounds.ReadLimit * 3).TotalSeconds / ReadBounds.FreshFor.TotalSeconds) + 1;
        Assert.InRange(source.Reads, 2, bound);

        source.Gate.SetResult();
        source.Gate = null;
        source.Value = "recovered";
        await Messages.EventuallyAsync(async () => await Get(source) == "recovered", "a refresh after the hang", seconds: 8);
        Assert.False(_held.Status("snapshot", "all")!.Failing);
    }

    [Fact]
    public async Task A_failing_refresh_keeps_the_held_value_and_says_why()
    {
        var source = new Source { Value = "held" };
        await Get(source);
        source.Failure = new StackExchange.Redis.RedisConnectionException(StackExchange.Redis.ConnectionFailureType.UnableToConnect, StackExchange.Redis.CommandFlags.None,
            "No connection is active/available to service this operation: GET key; Connection refused, mc: 1/1/0", null, StackExchange.Redis.CommandStatus.Unknown);
        await Task.Delay(ReadBounds.FreshFor + TimeSpan.FromMilliseconds(100));
        await Messages.EventuallyAsync(async () => await Get(source) == "held" && _held.Status("snapshot", "all")?.Failing == true,
            "the failed refresh is recorded", seconds: 5);
        Assert.Equal("redis 127.0.0.1:6399 unreachable: Connection refused", _held.Status("snapshot", "all")!.Failure);
        Assert.True(Failures("snapshot") >= 1);
    }

    [Fact]
    public async Task With_nothing_held_concurrent_requests_share_one_read_and_wait_no_longer_than_the_bound()
    {
        var source = new Source { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var watch = Stopwatch.StartNew();
        var requests = Enumerable.Range(0, 20).Select(_ => Get(source)).ToList();
        foreach (var request in requests)
            await Assert.ThrowsAnyAsync<TimeoutException>(() => request);
        watch.Stop();

        // One read at a time, each ending at its limit: 20 waiting requests issue one read (two if the first ended just before they gave up).
        Assert.InRange(source.Reads, 1, 2);
        // At most one bound each: a request that also waited for a second read would take two. Below that, the slack is the
        // thread pool's (on a loaded 2-core runner 20 timed-out continuations took 1.46 s past the bound, seen in CI).
        Assert.InRange(watch.Elapsed, ReadBounds.FirstReadWait - TimeSpan.FromMilliseconds(100), 2 * ReadBounds.FirstReadWait - TimeSpan.FromMilliseconds(100));
        source.Gate.SetResult();
    }

    [Fact]
    public async Task A_failed_first_read_is_thrown_not_held_and_none_yet_is_held_like_a_value()
    {
        var source = new Source { Failure = new System.Text.Json.JsonException("not json") };
        await Assert.ThrowsAsync<System.Text.Json.JsonException>(() => Get(source, "1h"));

        source.Failure = null;
        source.Value = null;
        Assert.Null(await Get(source, "1h")); // no snapshot yet: an answer, held for a second like any other
        source.Value = "first";
        Assert.Null(await Get(source, "1h"));
        await Task.Delay(ReadBounds.FreshFor);
        await Messages.EventuallyAsync(async () => await Get(source, "1h") == "first", "the first snapshot once the second is over", seconds: 5);
        Assert.Null(_held.Status("snapshot", "1h")!.Failure);
    }

    [Fact]
    public async Task A_timer_status_read_that_hangs_names_the_timer_store_not_redis()
    {
        // The timer store is Blob Storage whenever AzureWebJobsStorage is set: a Redis address would misdirect.
        var source = new Source { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await Assert.ThrowsAnyAsync<TimeoutException>(() => _held.GetAsync("timer_status", "AggregateAnalytics", source.ReadAsync));
        await Messages.EventuallyAsync(() => Task.FromResult(_held.Status("timer_status", "AggregateAnalytics")?.Failing == true),
            "the timed-out read is recorded", seconds: 5);
        Assert.Equal("the timer store did not answer within 2 s", _held.Status("timer_status", "AggregateAnalytics")!.Failure);
        source.Gate.SetResult();
    }

    [Fact]
    public async Task Kinds_and_names_are_held_apart()
    {
        var a = new Source { Value = "a" };
        var b = new Source { Value = "b" };
        Assert.Equal("a", await _held.GetAsync("snapshot", "x", a.ReadAsync));
        Assert.Equal("b", await _held.GetAsync("timer_status", "x", b.ReadAsync));
        Assert.Equal("a", await _held.GetAsync("snapshot", "x", b.ReadAsync));
    }
}
