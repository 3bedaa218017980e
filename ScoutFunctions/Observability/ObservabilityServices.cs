using FunctionsSelfHost.Timers;

namespace Scout.Observability;

public static class ObservabilityServices
{
    /// <summary>Build information, the clock, Scout's metrics and the HTTP request metrics; timer invocations counted as metrics.</summary>
    public static IServiceCollection AddObservability(this IServiceCollection services, BuildInfo build)
    {
        services.AddSingleton(build);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ScoutMetrics>();
        services.AddSingleton<HttpRequestMetrics>();
        services.AddSingleton<IInvocationObserver, InvocationMetrics>();
        return services;
    }
}

/// <summary>The self-host's timer invocations as homerun2_scout_function_invocations_total and _duration_seconds.</summary>
public sealed class InvocationMetrics(ScoutMetrics metrics) : IInvocationObserver
{
    public void Invoked(string function, string outcome, TimeSpan? duration)
    {
        metrics.FunctionInvocations.WithLabels(function, outcome).Inc();
        if (duration is { } d) metrics.FunctionDuration.WithLabels(function).Observe(d.TotalSeconds);
    }
}
