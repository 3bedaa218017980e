using System.Diagnostics;
using FunctionsSelfHost.Settings;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace FunctionsSelfHost.Timers;

/// <summary>
/// Runs the timer functions: one loop per function, so a run never overlaps its predecessor in this
/// process; a lease in the shared store makes each occurrence run once across every replica.
/// </summary>
public sealed class TimerHost(
    IEnumerable<ITimerFunction> functions,
    ITimerStore store,
    HostSettings settings,
    ScheduleConventions conventions,
    TimeProvider time,
    ILogger<TimerHost> logger,
    IInvocationObserver? observer = null,
    IFailureDescriber? failures = null) : BackgroundService
{
    /// <summary>An error in one short line (the app's describer may name, say, the address and the cause).</summary>
    private string Describe(Exception error) => failures?.Describe(error) ?? error.Message;

    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(15);

    /// <summary>Replicas' clocks and wake-ups differ a little; an occurrence is identified within this margin.</summary>
    private static readonly TimeSpan ClockTolerance = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    // Cancelled only when the host's shutdown grace runs out: running functions get to finish first.
    private readonly CancellationTokenSource _abortRuns = new();

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new List<Task>();
        foreach (var function in functions)
        {
            if (settings.IsDisabled(function.Name))
            {
                logger.LogInformation("Function {Function} is disabled by AzureWebJobs.{Function}.Disabled", function.Name, function.Name);
                continue;
            }
            var schedule = conventions.Parse(function.Schedule, settings.Settings);
            logger.LogInformation("Timer function {Function} scheduled with {Schedule} (run on startup: {RunOnStartup})",
                function.Name, schedule, function.RunOnStartup);
            loops.Add(RunLoopAsync(function, schedule, stoppingToken));
        }
        return Task.WhenAll(loops);
    }

    /// <summary>After the grace ran out, how long cancelled runs get to record their outcome and release their leases.</summary>
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(2);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // base.StopAsync returns when the grace runs out; a registration on the grace token could be disposed
        // before it fired, so the runs still going are cancelled here, after it returned.
        await base.StopAsync(cancellationToken);
        if (ExecuteTask is { IsCompleted: false } running)
        {
            await _abortRuns.CancelAsync();
            await running.WaitAsync(AbortGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public override void Dispose()
    {
        _abortRuns.Dispose();
        base.Dispose();
    }

    private async Task RunLoopAsync(ITimerFunction function, TimerSchedule schedule, CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        var record = await TryGetRecordAsync(function.Name);
        var due = schedule.GetNext(now);
        // Missed occurrences while no replica ran (IsPastDue), or RunOnStartup, fire at once; a stored
        // Next from an older, longer schedule never delays the current one.
        if (record is not null && record.ScheduleStatus.Next < due) due = record.ScheduleStatus.Next;
        var force = function.RunOnStartup || due <= now;
        if (function.RunOnStartup && due > now) due = now;
        string? disabledReason = null;

        // Taken before each wait or run, so a settings change during a run is not missed either.
        var changes = settings.Settings.GetReloadToken();
        while (!stoppingToken.IsCancellationRequested)
        {
            if (changes.HasChanged)
            {
                changes = settings.Settings.GetReloadToken();
                (schedule, due) = Reschedule(function, schedule, due);
            }
            if (!await WaitUntilAsync(due, changes, stoppingToken))
            {
                if (stoppingToken.IsCancellationRequested) return;
                continue;
            }
            var reason = function.DisabledReason;
            if (reason != disabledReason)
            {
                if (reason is null) logger.LogInformation("Function {Function} is enabled", function.Name);
                else logger.LogInformation("Function {Function} is disabled: {Reason}", function.Name, reason);
                disabledReason = reason;
            }
            try
            {
                due = reason is null ? await RunOccurrenceAsync(function, schedule, due, force) : NextAfter(schedule, due);
            }
            catch (Exception error) when (!stoppingToken.IsCancellationRequested)
            {
                // The loop is this function's only scheduler: an unexpected failure must not end it.
                logger.LogError(error, "Timer function {Function}: unexpected failure in the timer host; next occurrence as scheduled", function.Name);
                due = NextAfter(schedule, due);
            }
            force = false;
        }
    }

    /// <summary>Settings changed (say, reloaded from a watched source): follow a new schedule from now on.</summary>
    private (TimerSchedule Schedule, DateTimeOffset Due) Reschedule(ITimerFunction function, TimerSchedule schedule, DateTimeOffset due)
    {
        var updated = TryParseSchedule(function, schedule);
        if (updated.ToString() == schedule.ToString()) return (schedule, due);
        logger.LogInformation("Timer function {Function} rescheduled: {Old} → {New}", function.Name, schedule, updated);
        var sooner = updated.GetNext(time.GetUtcNow());
        return (updated, sooner < due ? sooner : due);
    }

    /// <summary>Sleeps until <paramref name="due"/>; false when woken early by shutdown or a settings change.</summary>
    private async Task<bool> WaitUntilAsync(DateTimeOffset due, IChangeToken changes, CancellationToken stoppingToken)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var onChange = changes.RegisterChangeCallback(_ => wake.Cancel(), null);
        try
        {
            // Task.Delay takes at most ~49 days: a yearly cron (or one that never fires again) waits in steps.
            for (var wait = due - time.GetUtcNow(); wait > TimeSpan.Zero; wait = due - time.GetUtcNow())
                await Task.Delay(wait < MaxWait ? wait : MaxWait, time, wake.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private TimerSchedule TryParseSchedule(ITimerFunction function, TimerSchedule current)
    {
        try
        {
            return conventions.Parse(function.Schedule, settings.Settings);
        }
        catch (ConfigurationError error)
        {
            logger.LogWarning("Timer function {Function}: new schedule ignored ({Error})", function.Name, error.Message);
            return current;
        }
    }

    private async Task<TimerRecord?> TryGetRecordAsync(string function)
    {
        try
        {
            return await store.GetRecordAsync(function);
        }
        catch (Exception error)
        {
            logger.LogWarning("Function {Function}: timer store unreachable at start ({Error}); using the local schedule", function, Describe(error));
            return null;
        }
    }

    /// <summary>Runs one occurrence if no other replica has, and returns when the next one is due.</summary>
    private async Task<DateTimeOffset> RunOccurrenceAsync(ITimerFunction function, TimerSchedule schedule, DateTimeOffset due, bool force)
    {
        ITimerLease? lease = null;
        TimerRecord? previous;
        try
        {
            lease = await store.TryAcquireLeaseAsync(function.Name, LeaseDuration);
            if (lease is null)
            {
                logger.LogDebug("Function {Function}: another replica holds the lease; skipping this occurrence", function.Name);
                return NextAfter(schedule, due);
            }
            previous = await store.GetRecordAsync(function.Name);
        }
        catch (Exception error)
        {
            // Give the lease back at once rather than making every replica wait for it to expire.
            if (lease is not null) await lease.DisposeAsync();
            logger.LogWarning("Function {Function}: timer store unreachable ({Error}); skipping this occurrence", function.Name, Describe(error));
            observer?.Invoked(function.Name, InvocationOutcome.Skipped, null);
            return NextAfter(schedule, due);
        }

        await using (lease)
        {
            var now = time.GetUtcNow();
            // Another replica already ran this occurrence and set the next one: follow the shared schedule —
            // unless that Next lies beyond this schedule's own next one, i.e. it comes from an older, longer
            // schedule (the settings shortened the interval) and would delay the new one.
            var tolerance = Tolerance(schedule, due);
            if (!force && previous is { } shared && shared.ScheduleStatus.Next - due > tolerance
                && shared.ScheduleStatus.Next - schedule.GetNext(due) <= tolerance)
                return shared.ScheduleStatus.Next;

            var timer = new TimerOccurrence(previous?.ScheduleStatus, IsPastDue: now - due > ClockTolerance && previous is not null);
            var (outcome, duration, error) = await InvokeAsync(function, timer, lease);
            var finished = time.GetUtcNow();
            var next = NextAfter(schedule, due);
            var record = new TimerRecord(new ScheduleStatus(due, next, finished), outcome, duration.TotalSeconds, error);
            try
            {
                await store.SetRecordAsync(function.Name, record);
            }
            catch (Exception storeError)
            {
                logger.LogWarning("Function {Function}: could not store schedule status ({Error})", function.Name, Describe(storeError));
            }
            return next;
        }
    }

    /// <summary>
    /// The clock tolerance, but at most half the schedule's period: with a one-second schedule the next
    /// occurrence is itself within a second, and would otherwise be taken for this one and run twice.
    /// </summary>
    private static TimeSpan Tolerance(TimerSchedule schedule, DateTimeOffset due)
    {
        var period = schedule.GetNext(due) - due;
        return period / 2 < ClockTolerance ? period / 2 : ClockTolerance;
    }

    private DateTimeOffset NextAfter(TimerSchedule schedule, DateTimeOffset due)
    {
        var now = time.GetUtcNow();
        var next = schedule.GetNext(due);
        // A run that outlasted its interval skips the occurrences it missed instead of firing back to back.
        return next > now ? next : schedule.GetNext(now);
    }

    private async Task<(string Outcome, TimeSpan Duration, string? Error)> InvokeAsync(ITimerFunction function, TimerOccurrence timer, ITimerLease lease)
    {
        var invocationId = Guid.NewGuid();
        using var scope = logger.BeginScope(new InvocationScope(function.Name, invocationId));
        using var run = CancellationTokenSource.CreateLinkedTokenSource(_abortRuns.Token);
        if (settings.FunctionTimeout is { } timeout) run.CancelAfter(timeout);
        var renewal = RenewWhileRunning(function.Name, lease, run);

        // A run that succeeds is routine: its two lines are debug, so an idle service logs nothing every interval.
        logger.LogDebug("Executing '{Function}' (Id={InvocationId}, IsPastDue={IsPastDue})", function.Name, invocationId, timer.IsPastDue);
        var started = Stopwatch.GetTimestamp();
        string outcome;
        string? error = null;
        try
        {
            await function.RunAsync(timer, run.Token);
            outcome = InvocationOutcome.Succeeded;
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            (outcome, error) = _abortRuns.IsCancellationRequested ? (InvocationOutcome.Cancelled, "host shut down")
                : renewal.LeaseLost ? (InvocationOutcome.Cancelled, "lease lost to another holder")
                : (InvocationOutcome.TimedOut, $"exceeded functionTimeout {settings.FunctionTimeout}");
        }
        catch (Exception failure)
        {
            outcome = InvocationOutcome.Failed;
            error = Describe(failure);
        }
        finally
        {
            await renewal.DisposeAsync();
        }
        var duration = Stopwatch.GetElapsedTime(started);
        observer?.Invoked(function.Name, outcome, duration);
        if (outcome == InvocationOutcome.Succeeded)
            logger.LogDebug("Executed '{Function}' ({Outcome}, Id={InvocationId}, Duration={DurationMs}ms)",
                function.Name, outcome, invocationId, (long)duration.TotalMilliseconds);
        else
            logger.LogWarning("Executed '{Function}' ({Outcome}, Id={InvocationId}, Duration={DurationMs}ms): {Error}",
                function.Name, outcome, invocationId, (long)duration.TotalMilliseconds, error);
        return (outcome, duration, error);
    }

    /// <summary>Keeps the lease alive while the function runs; losing it cancels the run.</summary>
    private LeaseRenewal RenewWhileRunning(string function, ITimerLease lease, CancellationTokenSource run)
    {
        var stop = new CancellationTokenSource();
        var renewal = new LeaseRenewal(stop);
        renewal.Loop = Task.Run(async () =>
        {
            using var ticker = new PeriodicTimer(LeaseDuration / 3, time);
            try
            {
                while (await ticker.WaitForNextTickAsync(stop.Token))
                {
                    bool renewed;
                    try
                    {
                        renewed = await lease.RenewAsync();
                    }
                    catch (Exception error)
                    {
                        logger.LogWarning("Function {Function}: lease renewal failed ({Error})", function, Describe(error));
                        continue;
                    }
                    if (!renewed)
                    {
                        logger.LogWarning("Function {Function}: lease lost to another holder; cancelling this run", function);
                        renewal.LeaseLost = true;
                        await run.CancelAsync();
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        return renewal;
    }

    private sealed class LeaseRenewal(CancellationTokenSource stop) : IAsyncDisposable
    {
        public Task Loop { get; set; } = Task.CompletedTask;

        public volatile bool LeaseLost;

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await Loop;
            stop.Dispose();
        }
    }
}
