using System.Diagnostics;
using FunctionsSelfHost.Settings;
using FunctionsSelfHost.Storage;
using FunctionsSelfHost.Timers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsSelfHost.Tests.Timers;

/// <summary>
/// The timer host built directly, with test functions and leases on a real redis-server, in real time
/// with second-long schedules. Two hosts sharing one Redis stand for two replicas.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class TimerHostTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const string EverySecond = "*/1 * * * * *";
    private readonly List<(TimerHost Host, TestRedisConnection Connection)> _hosts = [];

    public Task InitializeAsync() => redis.FlushAsync();

    public async Task DisposeAsync()
    {
        foreach (var (host, connection) in _hosts)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(grace.Token);
            host.Dispose();
            await connection.DisposeAsync();
        }
    }

    private RedisTimerStore NewStore(out TestRedisConnection connection)
    {
        connection = new TestRedisConnection(redis.Port);
        return TestKeys.Store(connection);
    }

    /// <summary>One "process": its own Redis connection, metrics and settings.</summary>
    private Task<(TimerHost Host, InvocationCounts Metrics)> StartHostAsync(ITimerFunction[] functions, params (string Key, string? Value)[] settings) =>
        StartHostAsync(functions, TimeProvider.System, settings);

    private async Task<(TimerHost Host, InvocationCounts Metrics)> StartHostAsync(ITimerFunction[] functions, TimeProvider clock,
        params (string Key, string? Value)[] settings)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var metrics = new InvocationCounts();
        var store = NewStore(out var connection);
        // Connect first, so the first occurrence is not late by the connection's set-up.
        await connection.Database.PingAsync();
        var host = new TimerHost(functions, store, HostSettings.From(config, "selfhost-tests"), TestConventions.Schedules, clock,
            NullLogger<TimerHost>.Instance, metrics);
        _hosts.Add((host, connection));
        await host.StartAsync(CancellationToken.None);
        return (host, metrics);
    }

    private async Task<TimerRecord?> RecordAsync(string function)
    {
        var store = NewStore(out var connection);
        await using (connection) return await store.GetRecordAsync(function);
    }

    private static async Task StopAsync(TimerHost host, TimeSpan grace)
    {
        using var cancel = new CancellationTokenSource(grace);
        await host.StopAsync(cancel.Token);
    }

    [Fact]
    public async Task RunOnStartup_runs_at_once_while_a_function_without_it_waits_for_its_schedule()
    {
        var startup = new TestTimerFunction("Startup", "01:00:00", runOnStartup: true);
        var later = new TestTimerFunction("Later", "1h");
        var clock = Stopwatch.StartNew();

        await StartHostAsync([startup, later]);

        await Eventually.TrueAsync(() => Task.FromResult(startup.Runs.Count == 1), "the RunOnStartup function runs", seconds: 30);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"first run after {clock.Elapsed}");
        var run = Assert.Single(startup.Runs);
        Assert.False(run.Timer.IsPastDue);
        Assert.Null(run.Timer.ScheduleStatus);

        TimerRecord? record = null;
        await Eventually.TrueAsync(async () => (record = await RecordAsync("Startup")) is not null, "the run's status is stored", seconds: 30);
        Assert.Equal(InvocationOutcome.Succeeded, record!.LastOutcome);
        Assert.Null(record.LastError);
        Assert.InRange(record.ScheduleStatus.Next - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));

        Assert.Equal(0, later.Started);
        Assert.Null(await RecordAsync("Later"));
    }

    [Theory]
    [InlineData(EverySecond)]
    [InlineData("1s")]
    public async Task A_one_second_schedule_runs_repeatedly(string schedule)
    {
        var function = new TestTimerFunction("Repeating", schedule);

        await StartHostAsync([function]);

        await Eventually.TrueAsync(() => Task.FromResult(function.Runs.Count >= 3), "three runs", seconds: 30);
        var starts = function.Runs.Select(r => r.Start).Order().ToList();
        // About one second apart: neither back to back nor skipping occurrences.
        foreach (var (previous, next) in starts.Zip(starts.Skip(1)))
            Assert.InRange(next - previous, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(2900));
    }

    [Fact]
    public async Task Two_hosts_sharing_one_redis_run_each_occurrence_once()
    {
        // The same instance in both hosts counts the runs of both "replicas".
        var function = new TestTimerFunction("Shared", EverySecond);
        var (first, firstMetrics) = await StartHostAsync([function]);
        // Replicas' clocks differ a little: this one wakes a quarter second after the first has finished.
        var (second, secondMetrics) = await StartHostAsync([function], new SkewedClock(TimeSpan.FromMilliseconds(-250)));

        // At least three runs (polled, not slept: a loaded machine may skip an occurrence), then a little more.
        await Eventually.TrueAsync(() => Task.FromResult(function.Runs.Count >= 3), "three runs across both hosts", seconds: 30);
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        await StopAsync(first, TimeSpan.FromSeconds(2));
        await StopAsync(second, TimeSpan.FromSeconds(2));

        // Runs are serialised by the lease and each sees the status the previous run stored, whose Last is
        // that run's occurrence: together with the final status they list every occurrence run, in order.
        var runs = function.Runs.ToList();
        var final = await RecordAsync("Shared");
        Assert.NotNull(final);
        Assert.Null(runs[0].Timer.ScheduleStatus);
        var occurrences = runs.Skip(1).Select(r => r.Timer.ScheduleStatus!.Last!.Value).Append(final.ScheduleStatus.Last!.Value).ToList();
        Assert.True(occurrences.Count >= 3, $"only {occurrences.Count} runs");
        foreach (var (previous, next) in occurrences.Zip(occurrences.Skip(1)))
            Assert.True(next > previous, "an occurrence ran twice: " + string.Join(", ", occurrences.Select(o => $"{o:HH:mm:ss.fff}")));
        var succeeded = firstMetrics.Count("Shared", InvocationOutcome.Succeeded)
            + secondMetrics.Count("Shared", InvocationOutcome.Succeeded);
        Assert.Equal(runs.Count, succeeded);
    }

    [Fact]
    public async Task A_run_longer_than_its_interval_never_overlaps_itself_in_one_or_two_hosts()
    {
        var function = new TestTimerFunction("Slow", EverySecond, runOnStartup: true, body: ct => Task.Delay(1200, ct));
        await StartHostAsync([function]);
        await StartHostAsync([function]);

        await Eventually.TrueAsync(() => Task.FromResult(function.Runs.Count >= 2), "two slow runs", seconds: 30);

        Assert.Equal(1, function.MaxConcurrent);
        var runs = function.Runs.OrderBy(r => r.Start).ToList();
        foreach (var (previous, next) in runs.Zip(runs.Skip(1)))
            Assert.True(next.Start >= previous.End, $"a run started at {next.Start:O} before the previous ended at {previous.End:O}");
        Assert.All(runs, r => Assert.Equal("completed", r.Ending));
    }

    [Fact]
    public async Task FunctionTimeout_cancels_a_long_run_and_stores_timed_out()
    {
        var function = new TestTimerFunction("Hanging", "1h", runOnStartup: true, body: ct => Task.Delay(Timeout.Infinite, ct));

        var (_, metrics) = await StartHostAsync([function], ("functionTimeout", "00:00:00.5"));

        TimerRecord? record = null;
        await Eventually.TrueAsync(async () => (record = await RecordAsync("Hanging")) is not null, "the timed-out run is recorded", seconds: 30);
        Assert.Equal(InvocationOutcome.TimedOut, record!.LastOutcome);
        Assert.Contains("functionTimeout", record.LastError);
        Assert.InRange(record.LastDurationSeconds, 0.4, 2.5);
        Assert.Equal("cancelled", Assert.Single(function.Runs).Ending);
        Assert.Equal(1, metrics.Count("Hanging", InvocationOutcome.TimedOut));
        Assert.Equal(0, metrics.Count("Hanging", InvocationOutcome.Succeeded));
        // The lease is released after the timed-out run.
        Assert.False(await redis.Database.KeyExistsAsync(TestKeys.Lease("Hanging")));
    }

    [Fact]
    public async Task A_failing_function_records_failed_with_its_error_and_keeps_its_schedule()
    {
        var function = new TestTimerFunction("Failing", EverySecond, runOnStartup: true,
            body: _ => Task.FromException(new InvalidOperationException("boom from the function")));

        var (_, metrics) = await StartHostAsync([function]);

        await Eventually.TrueAsync(() => Task.FromResult(function.Runs.Count >= 2), "the failing function runs again", seconds: 30);
        var record = await RecordAsync("Failing");
        Assert.NotNull(record);
        Assert.Equal(InvocationOutcome.Failed, record.LastOutcome);
        Assert.Equal("boom from the function", record.LastError);
        Assert.True(record.ScheduleStatus.Next > record.ScheduleStatus.Last, "the next occurrence is after the failed one");
        Assert.True(metrics.Count("Failing", InvocationOutcome.Failed) >= 2);
        Assert.All(function.Runs, r => Assert.Equal("threw", r.Ending));
    }

    [Theory]
    [InlineData("AzureWebJobs.Off.Disabled", "true", true)]
    [InlineData("AzureWebJobs:Off:Disabled", "1", true)]
    [InlineData("AzureWebJobs.Off.Disabled", "false", false)]
    public async Task AzureWebJobs_Disabled_setting_keeps_a_function_from_running(string key, string value, bool disabled)
    {
        var off = new TestTimerFunction("Off", EverySecond, runOnStartup: true);
        var on = new TestTimerFunction("On", EverySecond, runOnStartup: true);

        await StartHostAsync([off, on], (key, value));

        // Long enough for a start-up run and a scheduled one of the enabled function.
        await Eventually.TrueAsync(() => Task.FromResult(on.Runs.Count >= 2), "the enabled function runs twice", seconds: 30);
        if (disabled)
        {
            Assert.Equal(0, off.Started);
            Assert.Null(await RecordAsync("Off"));
        }
        else
            Assert.True(off.Started >= 1);
    }

    [Fact]
    public async Task A_stored_next_occurrence_in_the_past_runs_at_once_as_past_due()
    {
        // Left by a previous "process" that stopped before the occurrence was due.
        var now = DateTimeOffset.UtcNow;
        var stored = new ScheduleStatus(now.AddHours(-2), now.AddHours(-1), now.AddHours(-2));
        var seed = NewStore(out var connection);
        await using (connection) await seed.SetRecordAsync("Late", new TimerRecord(stored, InvocationOutcome.Succeeded, 0.1));
        var function = new TestTimerFunction("Late", "1h");

        await StartHostAsync([function]);

        await Eventually.TrueAsync(() => Task.FromResult(function.Runs.Count == 1), "the missed occurrence runs", seconds: 30);
        var run = Assert.Single(function.Runs);
        Assert.True(run.Timer.IsPastDue);
        Assert.Equal(stored, run.Timer.ScheduleStatus);
        TimerRecord? record = null;
        await Eventually.TrueAsync(async () => (record = await RecordAsync("Late"))!.ScheduleStatus.Last == stored.Next,
            "the run is recorded as the missed occurrence", seconds: 30);
        Assert.True(record!.ScheduleStatus.Next > DateTimeOffset.UtcNow.AddMinutes(59), $"next {record.ScheduleStatus.Next:O}");
    }

    [Fact]
    public async Task A_stored_next_occurrence_in_the_future_is_not_past_due()
    {
        var now = DateTimeOffset.UtcNow;
        var stored = new ScheduleStatus(now.AddMinutes(-30), now.AddMinutes(30), now.AddMinutes(-30));
        var seed = NewStore(out var connection);
        await using (connection) await seed.SetRecordAsync("OnTime", new TimerRecord(stored, InvocationOutcome.Succeeded, 0.1));
        var function = new TestTimerFunction("OnTime", "1h", runOnStartup: true);

        await StartHostAsync([function]);

        await Eventually.TrueAsync(() => Task.FromResult(function.Runs.Count == 1), "the start-up run", seconds: 30);
        var run = Assert.Single(function.Runs);
        Assert.False(run.Timer.IsPastDue);
        Assert.Equal(stored, run.Timer.ScheduleStatus);
    }

    [Fact]
    public async Task StopAsync_lets_a_running_function_finish_within_the_grace_and_releases_the_lease()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var function = new TestTimerFunction("Finishing", "1h", runOnStartup: true, body: async ct =>
        {
            started.SetResult();
            await Task.Delay(1000, ct);
        });
        var (host, metrics) = await StartHostAsync([function]);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(3));
        Assert.True(await redis.Database.KeyExistsAsync(TestKeys.Lease("Finishing")), "the running function holds the lease");

        var clock = Stopwatch.StartNew();
        await StopAsync(host, TimeSpan.FromSeconds(5));

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(700), $"stopped after {clock.Elapsed} without waiting for the run");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"stopped only after {clock.Elapsed}");
        Assert.Equal("completed", Assert.Single(function.Runs).Ending);
        Assert.Equal(InvocationOutcome.Succeeded, (await RecordAsync("Finishing"))?.LastOutcome);
        Assert.Equal(1, metrics.Count("Finishing", InvocationOutcome.Succeeded));
        Assert.False(await redis.Database.KeyExistsAsync(TestKeys.Lease("Finishing")));
    }

    [Fact]
    public async Task StopAsync_cancels_a_run_that_outlasts_the_grace_and_records_it_as_cancelled()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var function = new TestTimerFunction("Outlasting", "1h", runOnStartup: true, body: async ct =>
        {
            started.SetResult();
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
        });
        var (host, _) = await StartHostAsync([function]);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(3));

        var clock = Stopwatch.StartNew();
        await StopAsync(host, TimeSpan.FromMilliseconds(300));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"stopped only after {clock.Elapsed}");

        TimerRecord? record = null;
        await Eventually.TrueAsync(async () => (record = await RecordAsync("Outlasting")) is not null, "the cancelled run is recorded", seconds: 30);
        Assert.Equal(InvocationOutcome.Cancelled, record!.LastOutcome);
        Assert.Equal("host shut down", record.LastError);
        Assert.Equal("cancelled", Assert.Single(function.Runs).Ending);
        await Eventually.TrueAsync(async () => !await redis.Database.KeyExistsAsync(TestKeys.Lease("Outlasting")),
            "the lease is released", seconds: 30);
    }

    /// <summary>The system clock, off by a fixed amount, as another machine's clock would be.</summary>
    private sealed class SkewedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}
