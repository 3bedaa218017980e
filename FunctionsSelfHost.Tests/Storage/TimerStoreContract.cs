using FunctionsSelfHost.Settings;
using FunctionsSelfHost.Timers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsSelfHost.Tests.Storage;

/// <summary>
/// What the timer host needs from any timer store, run against each real backend: Redis and Azure Blob
/// Storage (Azurite). Each store instance plays one host; storage is stopped and restarted in place.
/// </summary>
public abstract class TimerStoreContract
{
    /// <summary>A store as a separate host would build it.</summary>
    protected abstract ITimerStore CreateStore();

    /// <summary>The shortest lease the backend grants (blob leases: 15 s).</summary>
    protected abstract TimeSpan ShortestLease { get; }

    protected abstract Task StopStorageAsync();

    protected abstract Task StartStorageAsync();

    private static string NewFunction() => "Fn" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Only_one_host_holds_a_lease_until_it_is_released()
    {
        var (a, b) = (CreateStore(), CreateStore());
        var function = NewFunction();
        var lease = await a.TryAcquireLeaseAsync(function, ShortestLease);
        Assert.NotNull(lease);
        Assert.Null(await b.TryAcquireLeaseAsync(function, ShortestLease));
        Assert.Null(await a.TryAcquireLeaseAsync(function, ShortestLease));

        await lease.DisposeAsync();
        await using var taken = await b.TryAcquireLeaseAsync(function, ShortestLease);
        Assert.NotNull(taken);
    }

    [Fact]
    public async Task Leases_of_different_functions_are_independent()
    {
        var (a, b) = (CreateStore(), CreateStore());
        await using var first = await a.TryAcquireLeaseAsync(NewFunction(), ShortestLease);
        await using var second = await b.TryAcquireLeaseAsync(NewFunction(), ShortestLease);
        Assert.NotNull(first);
        Assert.NotNull(second);
    }

    [Fact]
    public async Task The_lease_of_a_crashed_holder_expires_and_its_old_holder_can_neither_renew_nor_release_it()
    {
        var (crashed, next, third) = (CreateStore(), CreateStore(), CreateStore());
        var function = NewFunction();
        var stale = await crashed.TryAcquireLeaseAsync(function, ShortestLease);
        Assert.NotNull(stale);
        var acquiredAt = DateTime.UtcNow;

        // The holder stops renewing (it crashed): another host gets the lease once it expires, not before.
        ITimerLease? taken = null;
        var deadline = acquiredAt + ShortestLease + TimeSpan.FromSeconds(5);
        while (taken is null && DateTime.UtcNow < deadline)
        {
            taken = await next.TryAcquireLeaseAsync(function, ShortestLease);
            if (taken is null) await Task.Delay(250);
        }
        Assert.NotNull(taken);
        Assert.True(DateTime.UtcNow - acquiredAt >= ShortestLease - TimeSpan.FromMilliseconds(500),
            $"the lease was taken after {(DateTime.UtcNow - acquiredAt).TotalSeconds:F1} s, before it expired");

        Assert.False(await stale.RenewAsync());
        await stale.DisposeAsync();
        Assert.Null(await third.TryAcquireLeaseAsync(function, ShortestLease));
        await taken.DisposeAsync();
    }

    [Fact]
    public async Task Renewal_keeps_the_lease_past_its_duration()
    {
        var (holder, other) = (CreateStore(), CreateStore());
        var function = NewFunction();
        await using var lease = await holder.TryAcquireLeaseAsync(function, ShortestLease);
        Assert.NotNull(lease);
        var until = DateTime.UtcNow + ShortestLease * 1.5;
        while (DateTime.UtcNow < until)
        {
            await Task.Delay(ShortestLease / 3);
            Assert.True(await lease.RenewAsync());
            Assert.Null(await other.TryAcquireLeaseAsync(function, ShortestLease));
        }
    }

    [Fact]
    public async Task Schedule_status_and_last_outcome_round_trip_between_hosts()
    {
        var function = NewFunction();
        Assert.Null(await CreateStore().GetRecordAsync(function));
        var status = new ScheduleStatus(
            DateTimeOffset.Parse("2026-11-25T10:00:00Z"), DateTimeOffset.Parse("2026-11-25T10:01:00Z"), DateTimeOffset.Parse("2026-11-25T10:00:02.5Z"));
        var record = new TimerRecord(status, InvocationOutcome.Failed, 2.5, "boom");
        await CreateStore().SetRecordAsync(function, record);

        var read = await CreateStore().GetRecordAsync(function);
        Assert.Equal(record, read);

        var next = record with { LastOutcome = InvocationOutcome.Succeeded, LastError = null };
        await CreateStore().SetRecordAsync(function, next);
        Assert.Equal(next, await CreateStore().GetRecordAsync(function));
    }

    [Fact]
    public async Task A_timer_missed_during_downtime_runs_at_start_with_IsPastDue()
    {
        var store = CreateStore();
        var function = new RecordingFunction(NewFunction(), "1h");
        var missed = DateTimeOffset.UtcNow.AddMinutes(-10);
        await store.SetRecordAsync(function.Name,
            new TimerRecord(new ScheduleStatus(missed.AddHours(-1), missed, missed.AddHours(-1)), InvocationOutcome.Succeeded, 0.1));

        using var host = NewHost(store, function);
        await host.StartAsync(CancellationToken.None);
        try
        {
            var info = await function.FirstRun.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(info.IsPastDue);
            Assert.Equal(missed, info.ScheduleStatus?.Next);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
        var stored = await store.GetRecordAsync(function.Name);
        Assert.NotNull(stored);
        Assert.Equal(InvocationOutcome.Succeeded, stored.LastOutcome);
        Assert.Equal(missed, stored.ScheduleStatus.Last);
        Assert.True(stored.ScheduleStatus.Next > DateTimeOffset.UtcNow, "the next occurrence is in the future, not the missed one again");
    }

    [Fact]
    public async Task Storage_down_skips_ticks_without_crashing_and_timers_resume_when_it_returns()
    {
        var store = CreateStore();
        var function = new RecordingFunction(NewFunction(), "1s");
        var metrics = new InvocationCounts();
        await StopStorageAsync();
        using var host = NewHost(store, function, metrics);
        await host.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(metrics.Count(function.Name, InvocationOutcome.Skipped) >= 2), "ticks are skipped while storage is down", 20);
            Assert.Equal(0, function.Runs);

            await StartStorageAsync();
            await Eventually.TrueAsync(() => Task.FromResult(function.Runs >= 1), "the timer runs again once storage is back", 30);
        }
        finally
        {
            await StartStorageAsync();
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static TimerHost NewHost(ITimerStore store, ITimerFunction function, InvocationCounts? metrics = null)
    {
        var settings = new HostSettings { Settings = new ConfigurationBuilder().Build(), AppName = "selfhost-tests" };
        return new TimerHost([function], store, settings, TestConventions.Schedules, TimeProvider.System, NullLogger<TimerHost>.Instance,
            metrics ?? new InvocationCounts());
    }

    private sealed class RecordingFunction(string name, string schedule) : ITimerFunction
    {
        private int _runs;

        public string Name => name;

        public string Schedule => schedule;

        public bool RunOnStartup => false;

        public int Runs => Volatile.Read(ref _runs);

        public TaskCompletionSource<TimerOccurrence> FirstRun { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task RunAsync(TimerOccurrence timer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            FirstRun.TrySetResult(timer);
            return Task.CompletedTask;
        }
    }
}
