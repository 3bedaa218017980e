using Microsoft.Azure.Functions.Worker.Builder;
using Scout.Observability;

namespace Scout.Hosting;

/// <summary>
/// Scout as the Functions host's isolated worker: the host owns schedules, singleton locks, schedule status and
/// the HTTP front door; the worker registers the same services as the self-host and runs the same [Function] methods.
/// Kept apart from the self-host's code so a self-hosted process never loads the worker's gRPC assemblies.
/// </summary>
public static class FunctionsWorker
{
    /// <summary>
    /// The Functions host starts its worker with the address of its gRPC endpoint (<c>--functions-uri</c>, or
    /// <c>--host</c>/<c>--port</c> from older hosts) and a worker id: without them the worker cannot run at all.
    /// FUNCTIONS_WORKER_RUNTIME is no signal: local.settings.json and images set it for the self-host too.
    /// </summary>
    public static bool IsRequested(string[] args) =>
        args.Any(a => a.StartsWith("--functions-uri", StringComparison.OrdinalIgnoreCase)
                      || a.StartsWith("--functions-worker-id", StringComparison.OrdinalIgnoreCase)
                      || a.Equals("--workerId", StringComparison.OrdinalIgnoreCase));

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        // The host passes the app settings as environment variables; defaults and host.json are read as self-hosted.
        Program.AddScout(builder);
        // Outermost in the worker's ASP.NET Core pipeline: it sees each proxied request's final status code.
        builder.Services.AddSingleton<IStartupFilter, WorkerHttpMetrics>();

        using var app = builder.Build();
        app.Services.GetRequiredService<SnapshotGauges>().Register();
        await app.RunAsync();
        return 0;
    }
}
