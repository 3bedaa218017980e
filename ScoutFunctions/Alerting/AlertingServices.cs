using Scout.Configuration;

namespace Scout.Alerting;

public static class AlertingServices
{
    /// <summary>The alert rules' evaluation, their cooldowns, and the pitcher's HTTP client with its retries and timeouts.</summary>
    public static IServiceCollection AddAlerting(this IServiceCollection services, ScoutOptions options)
    {
        services.AddSingleton<AlertCooldowns>();
        services.AddSingleton<PitcherClient>();
        services.AddSingleton<AlertEvaluator>();
        services.AddHttpClient(PitcherClient.ClientName).AddStandardResilienceHandler(resilience =>
        {
            resilience.Retry.MaxRetryAttempts = options.AlertRetries;
            resilience.AttemptTimeout.Timeout = options.AlertTimeout;
            resilience.TotalRequestTimeout.Timeout = options.AlertTimeout * (options.AlertRetries + 1) + TimeSpan.FromSeconds(30);
            resilience.CircuitBreaker.SamplingDuration = options.AlertTimeout * 2 + TimeSpan.FromSeconds(30);
        });
        return services;
    }
}
