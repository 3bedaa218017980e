using FunctionsSelfHost.Timers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Scout.Analytics;
using Scout.Caching;
using Scout.Configuration;
using Scout.Http;
using Scout.OpenApi;
using StackExchange.Redis;

namespace Scout.Functions;

/// <summary>GET /analytics/summary|systems|alerts[?window=]: served from the stored snapshot, no query per request.</summary>
// What every analytics function takes and answers besides its view (see ServeAsync).
[OpenApiQueryParameter("window", WindowDescription, Default = AnalyticsWindow.AllName)]
[OpenApiResponse(400, "Unknown window; `availableWindows` lists the configured ones.", Body = typeof(ErrorResponse))]
[OpenApiResponse(401, "Missing or wrong bearer token (only when AUTH_TOKEN is set).", Body = typeof(ErrorResponse), Headers = ["WWW-Authenticate"])]
[OpenApiResponse(503, "No snapshot of the window yet, or the store is unreachable and none was read before.", Body = typeof(ErrorResponse), Headers = ["Retry-After"])]
public sealed class AnalyticsFunctions(SnapshotCache store, IOptionsMonitor<ScoutOptions> options, BearerTokenCheck bearer, RenderedViews views,
    TimerStatusReads timers)
{
    private const string JsonContentType = "application/json; charset=utf-8";

    internal const string WindowDescription =
        "The time window the numbers cover: `all` (every indexed message, the default) or one of the windows this Scout is " +
        "configured with (SCOUT_WINDOWS plus ALERT_WINDOW; by default 5m, 1h and 24h). Any other value answers 400.";

    [Function("AnalyticsSummary")]
    [OpenApiResponse(200, "The counts of the window.", Body = typeof(SummaryView), Headers = [AnalyticsViews.StaleHeader])]
    [EndpointListing(3, "Severity counts, total messages (?window=)", Auth = "bearer")]
    public Task<IResult> SummaryAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "analytics/summary")] HttpRequest request) =>
        ServeAsync(request, views.Summary);

    [Function("AnalyticsSystems")]
    [OpenApiResponse(200, "The counts of the window.", Body = typeof(SystemsView), Headers = [AnalyticsViews.StaleHeader])]
    [EndpointListing(4, "Per-system message counts, top 20 (?window=)", Auth = "bearer")]
    public Task<IResult> SystemsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "analytics/systems")] HttpRequest request) =>
        ServeAsync(request, views.Systems);

    [Function("AnalyticsAlerts")]
    [OpenApiResponse(200, "The counts of the window.", Body = typeof(AlertsView), Headers = [AnalyticsViews.StaleHeader])]
    [EndpointListing(5, "Alert frequency, top alerting systems (?window=)", Auth = "bearer")]
    public Task<IResult> AlertsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "analytics/alerts")] HttpRequest request) =>
        ServeAsync(request, views.Alerts);

    private async Task<IResult> ServeAsync(HttpRequest request, Func<AnalyticsSnapshot, byte[]> render)
    {
        if (bearer.Deny(request.HttpContext) is { } denied) return denied;
        var current = options.CurrentValue;
        var window = (string?)request.Query["window"];
        var name = string.IsNullOrEmpty(window) ? AnalyticsWindow.AllName : window;
        if (!current.WindowNames.Contains(name))
            return TypedResults.Json(new ErrorResponse($"unknown window \"{Truncate(name)}\"", current.WindowNames.ToList()),
                HttpJson.Default.ErrorResponse, statusCode: StatusCodes.Status400BadRequest);

        AnalyticsSnapshot? snapshot;
        try
        {
            snapshot = await store.GetAsync(name);
        }
        catch (Exception error) when (error is RedisException or TimeoutException or System.Text.Json.JsonException)
        {
            // Only while this replica holds no snapshot of the window yet: once it holds one, it serves it.
            return Unavailable(request.HttpContext, "analytics store unavailable", TimeSpan.FromSeconds(5));
        }
        if (snapshot is not null)
        {
            // Old numbers are served (better than none while Redis or the aggregation is down), but never silently.
            if (store.IsStale(snapshot)) request.HttpContext.Response.Headers[AnalyticsViews.StaleHeader] = "true";
            return TypedResults.Text(render(snapshot), JsonContentType);
        }
        return await LastFailureAsync() is { } failure
            ? Unavailable(request.HttpContext, $"no analytics snapshot for window {name}: the last aggregation cycle failed: {Truncate(failure, 300)}", current.Interval)
            : Unavailable(request.HttpContext, $"no analytics snapshot for window {name} yet; the first aggregation cycle has not completed", current.Interval);
    }

    /// <summary>Why the last aggregation cycle failed, from its timer status; null when it succeeded, never ran or is unreadable.</summary>
    private async Task<string?> LastFailureAsync()
    {
        try
        {
            var record = await timers.GetAsync(AggregateAnalyticsFunction.Name).WaitAsync(ReadBounds.UnavailableReason);
            return record?.LastOutcome is InvocationOutcome.Failed or InvocationOutcome.TimedOut
                ? record.LastError is { Length: > 0 } error ? error : record.LastOutcome
                : null;
        }
        catch (Exception)
        {
            return null;
        }
    }

    /// <summary>503 with Retry-After (whole seconds, at least one) and the reason: shared with the timeline.</summary>
    internal static JsonHttpResult<ErrorResponse> Unavailable(HttpContext http, string error, TimeSpan retryAfter)
    {
        http.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Json(new ErrorResponse(error), HttpJson.Default.ErrorResponse, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static string Truncate(string value, int length = 64) => value.Length <= length ? value : value[..length] + "…";
}
