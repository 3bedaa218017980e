using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Http;
using Scout.OpenApi;
using StackExchange.Redis;

namespace Scout.Functions;

/// <summary>
/// GET /analytics/timeline?window=&amp;step=: the window's messages by severity per step, sliced from the timeline the
/// cycle stores with the snapshots (no query per request), held like them.
/// </summary>
public sealed class TimelineFunctions(SnapshotCache store, IOptionsMonitor<ScoutOptions> options, BearerTokenCheck bearer, RenderedViews views)
{
    private const string JsonContentType = "application/json; charset=utf-8";

    [Function("AnalyticsTimeline")]
    [OpenApiQueryParameter("window",
        "The window the points cover: one of the windows this Scout is configured with (SCOUT_WINDOWS plus ALERT_WINDOW; by default " +
        "5m, 1h and 24h). `all` has no timeline. Any other value answers 400.", Default = Timeline.DefaultWindow)]
    [OpenApiQueryParameter("step",
        "The length of each point: a Go duration of whole minutes (1m, 5m, 1h30m), positive, at most the window, giving at most 1440 " +
        "points (one per step from windowStart to lastUpdated, both included: 24h needs at least 2m). Default: the window over about 60 " +
        "points, rounded to whole minutes (1h: 1m, 24h: 24m). Any other value answers 400.")]
    [OpenApiResponse(200,
        "One point per step from windowStart (the summary's, minute-aligned) to lastUpdated, ascending and contiguous, empty steps " +
        "included; the points add up to the summary's totalMessages of the same cycle (messages timestamped after lastUpdated count " +
        "in the last point).", Body = typeof(TimelineView), Headers = [AnalyticsViews.StaleHeader])]
    [OpenApiResponse(400, "Unknown window (`availableWindows` lists the windows with a timeline) or a step it cannot serve; the error names the parameter and the accepted forms.",
        Body = typeof(ErrorResponse))]
    [OpenApiResponse(401, "Missing or wrong bearer token (only when AUTH_TOKEN is set).", Body = typeof(ErrorResponse), Headers = ["WWW-Authenticate"])]
    [OpenApiResponse(503, "No timeline yet, or the store is unreachable and none was read before.", Body = typeof(ErrorResponse), Headers = ["Retry-After"])]
    [EndpointListing(6, "Messages by severity over time (?window=&step=)", Auth = "bearer")]
    public async Task<IResult> TimelineAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "analytics/timeline")] HttpRequest request)
    {
        if (bearer.Deny(request.HttpContext) is { } denied) return denied;
        var current = options.CurrentValue;
        var asked = (string?)request.Query["window"];
        var name = string.IsNullOrEmpty(asked) ? Timeline.DefaultWindow : asked;
        var window = current.Windows.FirstOrDefault(w => w.Name == name);
        if (window is null)
        {
            var shown = name.Length <= 64 ? name : name[..64] + "…";
            var why = name == AnalyticsWindow.AllName ? "window \"all\" has no timeline" : $"unknown window \"{shown}\"";
            return BadRequest($"{why}: window must be one of the configured windows", current.Windows.Select(w => w.Name).ToList());
        }
        if (!Timeline.TryStep(request.Query["step"], window, out var step, out var error)) return BadRequest(error!);

        TimelineSnapshot? timeline;
        try
        {
            timeline = await store.GetTimelineAsync();
        }
        catch (Exception failure) when (failure is RedisException or TimeoutException or System.Text.Json.JsonException)
        {
            return AnalyticsFunctions.Unavailable(request.HttpContext, "analytics store unavailable", TimeSpan.FromSeconds(5));
        }
        // A timeline stored before this window was configured has no start for it: the next cycle's will.
        if (timeline is null || !timeline.Starts.ContainsKey(window.Name))
            return AnalyticsFunctions.Unavailable(request.HttpContext, $"no timeline for window {window.Name} yet; the next aggregation cycle stores one", current.Interval);
        if (store.IsStale(timeline.GeneratedAt)) request.HttpContext.Response.Headers[AnalyticsViews.StaleHeader] = "true";
        return TypedResults.Text(views.Timeline(Timeline.Slice(timeline, window.Name, step)), JsonContentType);
    }

    private static JsonHttpResult<ErrorResponse> BadRequest(string error, IReadOnlyList<string>? windows = null) =>
        TypedResults.Json(new ErrorResponse(error, windows), HttpJson.Default.ErrorResponse, statusCode: StatusCodes.Status400BadRequest);
}
