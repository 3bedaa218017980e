using System.Diagnostics;
using FunctionsSelfHost.Functions;
using FunctionsSelfHost.Settings;

namespace Scout.Observability;

/// <summary>
/// Under the Functions host, the HTTP requests the host proxies to the worker's own listener are counted like the
/// self-host counts its own (<c>http_requests_received_total</c>, which the KEDA HTTP scaler queries), with the
/// function's route as the endpoint label. The worker's pipeline has no routing, so the route is found from the path
/// among the HTTP functions of the table; a path no function serves gets "", as unmatched requests do self-hosted.
/// </summary>
public sealed class WorkerHttpMetrics : IStartupFilter
{
    private readonly HttpRequestMetrics _metrics;
    private readonly Dictionary<string, string> _routes;

    public WorkerHttpMetrics(HttpRequestMetrics metrics, FunctionTable table, HostSettings host)
    {
        _metrics = metrics;
        _routes = table.Http.Select(f => host.PathOf(f.Route!)).Distinct().ToDictionary(p => p, p => p, StringComparer.OrdinalIgnoreCase);
    }

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, pipeline) =>
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                await pipeline(context);
            }
            finally
            {
                var path = context.Request.Path.Value ?? "";
                var route = _routes.GetValueOrDefault(path) ?? _routes.GetValueOrDefault(path.TrimEnd('/')) ?? "";
                _metrics.Observe(route, context.Response.StatusCode, context.Request.Method, Stopwatch.GetElapsedTime(start));
            }
        });
        next(app);
    };
}
