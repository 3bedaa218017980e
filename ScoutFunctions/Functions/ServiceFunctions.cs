using System.Reflection;
using FunctionsSelfHost.Functions;
using FunctionsSelfHost.Settings;
using FunctionsSelfHost.Timers;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;
using Scout.Analytics;
using Scout.Caching;
using Scout.Configuration;
using Scout.Counting;
using Scout.Health;
using Scout.Observability;
using Scout.OpenApi;
using Scout.Profile;
using Scout.Redis;

namespace Scout.Functions;

/// <summary>GET /, /health, /health/ready and /metrics: no auth, like the Go service.</summary>
public sealed class ServiceFunctions(
    BuildInfo build,
    TimeProvider time,
    ProcessStart start,
    IEnumerable<ITimerFunction> timers,
    TimerStatusReads store,
    ScoutProfileService profile,
    SnapshotCache snapshots,
    FunctionTable table,
    HostSettings host,
    HealthCheckService health,
    ReadinessLog readiness,
    ScoutMetrics metrics,
    StatusPage.StatusPage page)
{
    [Function("Index")]
    [OpenApiSummary("Service name, version and the endpoints it serves")]
    [OpenApiResponse(200,
        "The service and its endpoints; for a browser (Accept: text/html), the status page: the totals, a timeline chart, the top and " +
        "alerting systems and /health, drawn by /status.js from the analytics API (the page holds no data).",
        Body = typeof(IndexView), ContentTypes = [OpenApiDocumentBuilder.Json, "text/html"], Headers = ["Content-Security-Policy"])]
    public IResult Index([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "")] HttpRequest request)
    {
        // Answers differ by Accept: caches must keep them apart.
        request.HttpContext.Response.Headers.Vary = "Accept";
        if (!StatusPage.StatusPage.Wanted(request)) return TypedResults.Ok(new IndexView(BuildInfo.ServiceName, build.Version, Listing()));
        StatusPage.StatusPage.Secure(request.HttpContext.Response);
        return TypedResults.Bytes(page.Render(), StatusPage.StatusPage.HtmlContentType);
    }

    [Function("Health")]
    [OpenApiResponse(200, "Alive; the version, uptime, timers, profile and last aggregation.", Body = typeof(HealthView))]
    [EndpointListing(1, "Health check (returns version, commit, uptime, timer status)")]
    public async Task<IResult> HealthAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request)
    {
        var now = time.GetUtcNow();
        // Liveness must answer within the probe's timeout whatever Redis does: both are held in memory, bounded, in parallel.
        var held = snapshots.AllAsync(ReadBounds.Liveness);
        var (functions, functionsError) = await FunctionsHealthAsync();
        var all = await held;
        var allTime = all.FirstOrDefault(h => h.Window == Configuration.AnalyticsWindow.AllName)?.Snapshot;
        var degraded = DegradedBecause(allTime, functions, functionsError);
        return TypedResults.Ok(new HealthView(degraded is null ? "ok" : "degraded", build.Version, build.Commit, build.Date,
            GoDuration.Format(TimeSpan.FromSeconds(Math.Floor((now - start.At).TotalSeconds))), ProfileHealth.From(profile), functions, functionsError,
            AggregationHealth.From(allTime), SnapshotsHealth.From(all, snapshots), degraded));
    }

    /// <summary>
    /// Why the numbers Scout serves are not current, or null when they are. Liveness stays 200 either way: the process is
    /// alive and answers; "degraded" tells an operator (and a dashboard) that the data behind it is missing or old.
    /// </summary>
    private string? DegradedBecause(AnalyticsSnapshot? allTime, IReadOnlyDictionary<string, FunctionHealth>? functions, string? functionsError)
    {
        if (allTime is null) return "no snapshot yet: no aggregation cycle has completed (is Redis Stack reachable? see /health/ready)";
        if (functionsError is not null) return "the timers' status cannot be read, so whether the cycles run is unknown: " + functionsError;
        if (functions?.GetValueOrDefault(AggregateAnalyticsFunction.Name) is { LastOutcome: InvocationOutcome.Failed or InvocationOutcome.TimedOut } aggregate)
            return $"the last aggregation cycle {aggregate.LastOutcome}: the snapshots are those of an earlier cycle";
        if (snapshots.IsStale(allTime)) return $"the snapshots are older than {GoDuration.Format(snapshots.StaleAfter)}";
        return null;
    }

    /// <summary>Each timer's last and next run, as held; null and why when the timer store cannot be read.</summary>
    private async Task<(Dictionary<string, FunctionHealth>? Functions, string? Error)> FunctionsHealthAsync()
    {
        var functions = new Dictionary<string, FunctionHealth>();
        try
        {
            var reads = timers.Select(async timer => (timer.Name, Record: await store.GetAsync(timer.Name).WaitAsync(ReadBounds.Liveness)));
            foreach (var (name, record) in await Task.WhenAll(reads))
            {
                functions[name] = record is null
                    ? new FunctionHealth(null, null, "never run", null)
                    : new FunctionHealth(
                        record.ScheduleStatus.Last is { } last ? MessageTimestamp.Rfc3339(last) : null,
                        MessageTimestamp.Rfc3339(record.ScheduleStatus.Next),
                        record.LastOutcome,
                        record.LastDurationSeconds);
            }
        }
        catch (Exception)
        {
            // Liveness must not depend on Redis; readiness reports it.
            return (null, "timer status unavailable: timer store unreachable or slow");
        }
        // Held status while refreshing it fails: shown, and said to be old.
        var failing = timers.Select(t => store.Status(t.Name)).FirstOrDefault(s => s is { Failing: true });
        return failing is null
            ? (functions, null)
            : (functions, $"timer store unreachable or slow ({failing.Failure}): timer status as read at " +
                          (failing.LastReadAt is { } at ? MessageTimestamp.Rfc3339(at) : "start-up"));
    }

    [Function("Ready")]
    [OpenApiResponse(200, "Redis answers (every shard, on a cluster).", Body = typeof(ReadinessView))]
    [OpenApiResponse(503, "Redis (or a shard) does not answer.", Body = typeof(ReadinessView))]
    [EndpointListing(2, "Readiness: 200 when Redis answers, else 503")]
    public async Task<IResult> ReadyAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health/ready")] HttpRequest request)
    {
        var report = await health.CheckHealthAsync(request.HttpContext.RequestAborted);
        // As ASP.NET Core's health check endpoint answers: 503 only when unhealthy, and never cached.
        var headers = request.HttpContext.Response.Headers;
        headers.CacheControl = "no-store, no-cache";
        headers.Pragma = "no-cache";
        headers.Expires = "Thu, 01 Jan 1970 00:00:00 GMT";
        var checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Description ?? e.Value.Status.ToString());
        readiness.Record(report.Status != HealthStatus.Unhealthy, string.Join("; ", checks.Select(c => $"{c.Key}: {c.Value}")));
        var body = new ReadinessView(report.Status == HealthStatus.Healthy ? "ready" : "unavailable", checks);
        return TypedResults.Json(body, HealthJson.Default.ReadinessView, "application/json",
            report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    [Function("Metrics")]
    [OpenApiResponse(200, "Prometheus text format, or OpenMetrics when the Accept header asks for it.", ContentTypes = ["text/plain", "application/openmetrics-text"])]
    [EndpointListing(7, "Prometheus metrics")]
    public IResult Metrics([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "metrics")] HttpRequest request) =>
        new MetricsExport(metrics.Registry);

    /// <summary>The enabled HTTP functions GET / names, in their listed order, under the route prefix.</summary>
    private List<EndpointInfo> Listing() =>
        table.Http
            .Where(f => !host.IsDisabled(f.Name))
            .Select(f => (Function: f, Listing: f.Method.GetCustomAttribute<EndpointListingAttribute>()!))
            .Where(e => e.Listing is not null)
            .OrderBy(e => e.Listing.Order)
            .Select(e => new EndpointInfo(host.PathOf(e.Function.Route!), e.Listing.Description, e.Listing.Auth))
            .ToList();

    /// <summary>prometheus-net's exporter (text or OpenMetrics, as the Accept header asks) as a function result.</summary>
    private sealed class MetricsExport(CollectorRegistry registry) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) =>
            new MetricServerMiddleware(_ => Task.CompletedTask, new MetricServerMiddleware.Settings { Registry = registry }).Invoke(httpContext);
    }
}
