namespace FunctionsSelfHost.Timers;

/// <summary>Last and next occurrence of a timer function, shared by every replica (Functions' ScheduleStatus).</summary>
public sealed record ScheduleStatus(DateTimeOffset? Last, DateTimeOffset Next, DateTimeOffset LastUpdated);

/// <summary>
/// One occurrence as the self-host's timer loop sees it: the schedule status stored before it and whether it is
/// late. <see cref="Functions.FunctionInvoker"/> hands it to a [Function] method as the SDK's TimerInfo.
/// </summary>
public sealed record TimerOccurrence(ScheduleStatus? ScheduleStatus, bool IsPastDue);

/// <summary>The stored state of a timer function: its schedule status and how its last run went.</summary>
public sealed record TimerRecord(
    ScheduleStatus ScheduleStatus,
    string LastOutcome,
    double LastDurationSeconds,
    string? LastError = null);

public static class InvocationOutcome
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string TimedOut = "timed_out";
    public const string Cancelled = "cancelled";
    public const string Skipped = "skipped";
}

/// <summary>A function that runs on a schedule, as the self-host's timer loop runs it (see <see cref="AttributedTimerFunction"/>).</summary>
public interface ITimerFunction
{
    string Name { get; }

    /// <summary>Schedule expression, possibly a %SETTING% reference.</summary>
    string Schedule { get; }

    bool RunOnStartup { get; }

    /// <summary>Why the function cannot run with the current settings, or null when it can.</summary>
    string? DisabledReason => null;

    Task RunAsync(TimerOccurrence timer, CancellationToken cancellationToken);
}

/// <summary>An exclusive, expiring claim on one timer function across every process sharing the store.</summary>
public interface ITimerLease : IAsyncDisposable
{
    /// <summary>Extends the lease; false when it was lost (expired and taken by another holder).</summary>
    Task<bool> RenewAsync();
}

/// <summary>Where timer coordination lives: singleton leases and schedule status.</summary>
public interface ITimerStore
{
    Task<ITimerLease?> TryAcquireLeaseAsync(string function, TimeSpan duration);

    Task<TimerRecord?> GetRecordAsync(string function);

    Task SetRecordAsync(string function, TimerRecord record);
}

public static class TimerRecords
{
    /// <summary>A stored record that does not read back (corrupt, or from an incompatible version) counts as none.</summary>
    public static TimerRecord? Parse(Func<TimerRecord?> deserialize)
    {
        try
        {
            var record = deserialize();
            return record?.ScheduleStatus is null || record.LastOutcome is null ? null : record;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

/// <summary>Told of every timer invocation (say, to count them as metrics); a skipped one has no duration.</summary>
public interface IInvocationObserver
{
    void Invoked(string function, string outcome, TimeSpan? duration);
}

/// <summary>Says what went wrong in one short line (a Redis failure: the address and the cause, not the client's internals).</summary>
public interface IFailureDescriber
{
    string Describe(Exception error);
}
