using System.Reflection;
using FunctionsSelfHost.Timers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SdkScheduleStatus = Microsoft.Azure.Functions.Worker.ScheduleStatus;
using SdkTimerInfo = Microsoft.Azure.Functions.Worker.TimerInfo;

namespace FunctionsSelfHost.Functions;

/// <summary>
/// Calls a <c>[Function]</c> method the way the isolated worker does: an instance of its class made through
/// dependency injection (once: function classes are expected to hold only singletons), its trigger value, and the
/// invocation's cancellation token.
/// </summary>
public sealed class FunctionInvoker
{
    private readonly FunctionEntry _function;
    private readonly Lazy<object?> _instance;

    public FunctionInvoker(FunctionEntry function, IServiceProvider services)
    {
        _function = function;
        var method = function.Method;
        foreach (var parameter in method.GetParameters())
            if (parameter.ParameterType != typeof(SdkTimerInfo) && parameter.ParameterType != typeof(HttpRequest) && parameter.ParameterType != typeof(CancellationToken))
                throw new InvalidOperationException($"Function {function.Name}: the self-host cannot bind parameter {parameter.Name} ({parameter.ParameterType.Name})");
        // Made at the first call, as the worker does, not while the app is being built.
        _instance = new Lazy<object?>(() => method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, function.Class.Type));
    }

    public FunctionEntry Function => _function;

    /// <summary>The function's object, for what its class says beside the method (e.g. <see cref="IConditionalFunction"/>).</summary>
    public object? Instance => _instance.Value;

    public Task InvokeTimerAsync(TimerOccurrence occurrence, CancellationToken cancellationToken) =>
        InvokeAsync(ToSdk(occurrence), cancellationToken) switch
        {
            Task task => task,
            _ => Task.CompletedTask,
        };

    public async Task<IResult?> InvokeHttpAsync(HttpContext context) =>
        InvokeAsync(context.Request, context.RequestAborted) switch
        {
            Task<IResult> result => await result,
            Task task => await Completed(task),
            IResult result => result,
            _ => null,
        };

    private static async Task<IResult?> Completed(Task task)
    {
        await task;
        return null;
    }

    private object? InvokeAsync(object trigger, CancellationToken cancellationToken)
    {
        var parameters = _function.Method.GetParameters();
        var arguments = new object?[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
            arguments[i] = parameters[i].ParameterType == typeof(CancellationToken) ? cancellationToken : trigger;
        try
        {
            return _function.Method.Invoke(_instance.Value, arguments);
        }
        catch (TargetInvocationException error) when (error.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error.InnerException);
            throw;
        }
    }

    /// <summary>The SDK's TimerInfo, as the Functions host fills it in, from the self-host's occurrence.</summary>
    private static SdkTimerInfo ToSdk(TimerOccurrence occurrence) => new()
    {
        IsPastDue = occurrence.IsPastDue,
        ScheduleStatus = occurrence.ScheduleStatus is { } status
            ? new SdkScheduleStatus
            {
                Last = status.Last?.UtcDateTime ?? default,
                Next = status.Next.UtcDateTime,
                LastUpdated = status.LastUpdated.UtcDateTime,
            }
            : null,
    };
}

/// <summary>
/// A function's class that says it cannot run with some settings (say, alerting without a pitcher URL). The self-host then
/// neither runs nor records it; under the Functions host the function itself returns at once.
/// </summary>
public interface IConditionalFunction
{
    /// <summary>Why the function cannot run with the current settings, or null when it can.</summary>
    string? DisabledReason { get; }
}
