using System.Collections.Concurrent;
using System.Diagnostics;
using Prometheus;

namespace Scout.Observability;

/// <summary>
/// Request count and duration per route, under the names prometheus-net's middleware uses
/// (<c>http_requests_received_total</c>, which the KEDA scaler queries, and <c>http_request_duration_seconds</c>).
/// prometheus-net's three HTTP middlewares took about 8% of the CPU of a request in a profile (bench/run.sh load);
/// this one reads only the matched route pattern, bounds every label, and keeps the series it has resolved.
/// </summary>
public sealed class HttpRequestMetrics
{
    private static readonly string[] KnownMethods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"];
    private readonly Counter _requests;
    private readonly Histogram _duration;
    // Keyed by the endpoint object (reference equality: no string hashing per request); null = no route matched.
    private readonly ConcurrentDictionary<(RouteEndpoint? Endpoint, int Code, string Method), Series> _series = new();
    private readonly ConcurrentDictionary<(string Route, int Code, string Method), Series> _routedSeries = new();

    public HttpRequestMetrics(ScoutMetrics metrics)
    {
        var factory = Metrics.WithCustomRegistry(metrics.Registry);
        string[] labels = ["code", "method", "endpoint"];
        _requests = factory.CreateCounter("http_requests_received_total",
            "Provides the count of HTTP requests that have been processed by the ASP.NET Core pipeline.", labels);
        _duration = factory.CreateHistogram("http_request_duration_seconds",
            "The duration of HTTP requests processed by an ASP.NET Core application.",
            new HistogramConfiguration { LabelNames = labels, Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            Observe(context, Stopwatch.GetElapsedTime(start));
        }
    }

    private void Observe(HttpContext context, TimeSpan elapsed)
    {
        // Unmatched paths share one label value, and unknown methods another, so hostile requests cannot grow the series.
        var series = _series.GetOrAdd((context.GetEndpoint() as RouteEndpoint, context.Response.StatusCode, Normalize(context.Request.Method)), Resolve);
        series.Requests.Inc();
        series.Duration.Observe(elapsed.TotalSeconds);
    }

    /// <summary>
    /// One request whose route is known by other means than routing (the Functions worker's pipeline has none:
    /// the host matched the route), with the same labels; <paramref name="route"/> is "" when none matched.
    /// </summary>
    public void Observe(string route, int code, string method, TimeSpan elapsed)
    {
        var series = _routedSeries.GetOrAdd((route, code, Normalize(method)), ResolveRoute);
        series.Requests.Inc();
        series.Duration.Observe(elapsed.TotalSeconds);
    }

    private Series ResolveRoute((string Route, int Code, string Method) key)
    {
        var code = key.Code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new Series(_requests.WithLabels(code, key.Method, key.Route), _duration.WithLabels(code, key.Method, key.Route));
    }

    private Series Resolve((RouteEndpoint? Endpoint, int Code, string Method) key)
    {
        var code = key.Code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var route = key.Endpoint?.RoutePattern.RawText ?? "";
        return new Series(_requests.WithLabels(code, key.Method, route), _duration.WithLabels(code, key.Method, route));
    }

    private static string Normalize(string method)
    {
        foreach (var known in KnownMethods)
            if (string.Equals(method, known, StringComparison.OrdinalIgnoreCase)) return known;
        return "OTHER";
    }

    private sealed record Series(Counter.Child Requests, Histogram.Child Duration);
}
