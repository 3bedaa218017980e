using System.Collections.Concurrent;
using System.Globalization;
using FunctionsSelfHost.Timers;

namespace FunctionsSelfHost.Tests;

/// <summary>The tests' own schedule conventions: whole seconds, minutes or hours as "1s", "5m", "1h" (an app's extra interval form), no fallbacks.</summary>
public static class TestConventions
{
    public static readonly IntervalForm Units = new("whole seconds, minutes or hours (1s, 5m, 1h)", TryParseUnits);

    public static readonly ScheduleConventions Schedules = new(new Dictionary<string, string>(), Units);

    private static bool TryParseUnits(string text, out TimeSpan interval)
    {
        interval = TimeSpan.Zero;
        if (text.Length < 2 || !int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)) return false;
        interval = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(count),
            'm' => TimeSpan.FromMinutes(count),
            'h' => TimeSpan.FromHours(count),
            _ => TimeSpan.Zero,
        };
        return interval > TimeSpan.Zero;
    }
}

/// <summary>Counts the timer host's invocations by function and outcome, as an app's metrics would.</summary>
public sealed class InvocationCounts : IInvocationObserver
{
    private readonly ConcurrentDictionary<(string, string), int> _counts = new();

    public void Invoked(string function, string outcome, TimeSpan? duration) => _counts.AddOrUpdate((function, outcome), 1, (_, n) => n + 1);

    public int Count(string function, string outcome) => _counts.GetValueOrDefault((function, outcome));
}
