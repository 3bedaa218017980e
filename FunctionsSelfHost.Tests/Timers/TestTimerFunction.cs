using System.Collections.Concurrent;
using FunctionsSelfHost.Timers;

namespace FunctionsSelfHost.Tests.Timers;

/// <summary>
/// A timer function whose body the test chooses; it records every run (start, end, what it was told,
/// how it ended) and how many of its runs were in flight at once, across every host it is given to.
/// </summary>
public sealed class TestTimerFunction(string name, string schedule, bool runOnStartup = false, Func<CancellationToken, Task>? body = null)
    : ITimerFunction
{
    private int _running;
    private int _maxConcurrent;

    public string Name => name;
    public string Schedule => schedule;
    public bool RunOnStartup => runOnStartup;

    public ConcurrentQueue<Run> Runs { get; } = new();

    public int Started => Volatile.Read(ref _started);
    private int _started;

    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

    public async Task RunAsync(TimerOccurrence timer, CancellationToken cancellationToken)
    {
        var start = DateTimeOffset.UtcNow;
        var running = Interlocked.Increment(ref _running);
        InterlockedMax(ref _maxConcurrent, running);
        Interlocked.Increment(ref _started);
        string ending = "completed";
        try
        {
            if (body is not null) await body(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            ending = "cancelled";
            throw;
        }
        catch (Exception)
        {
            ending = "threw";
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _running);
            Runs.Enqueue(new Run(start, DateTimeOffset.UtcNow, timer, ending));
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }

    public sealed record Run(DateTimeOffset Start, DateTimeOffset End, TimerOccurrence Timer, string Ending);
}
