using FunctionsSelfHost.Functions;
using Microsoft.Extensions.Configuration;

namespace FunctionsSelfHost.Timers;

/// <summary>A timer function of the function table, run by <see cref="TimerHost"/>.</summary>
public sealed class AttributedTimerFunction(FunctionInvoker invoker, IConfiguration settings, ScheduleConventions conventions) : ITimerFunction
{
    public string Name => invoker.Function.Name;

    /// <summary>The trigger's schedule, read anew each time so a settings change reschedules.</summary>
    public string Schedule => conventions.EffectiveSchedule(invoker.Function.Schedule!, settings);

    public bool RunOnStartup => invoker.Function.RunOnStartup;

    public string? DisabledReason => (invoker.Instance as IConditionalFunction)?.DisabledReason;

    public Task RunAsync(TimerOccurrence timer, CancellationToken cancellationToken) => invoker.InvokeTimerAsync(timer, cancellationToken);
}
