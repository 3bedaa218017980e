namespace FunctionsSelfHost;

/// <summary>Whether the Functions host started this process as its isolated worker, or something else (a self-host) did.</summary>
public static class FunctionsWorkerLaunch
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
}
