using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Hosting;
using Scout.Http;
using StackExchange.Redis;

namespace Scout.Functions;

/// <summary>GET /analytics/summary|systems|alerts[?window=]: served from the stored snapshot, no query per request.</summary>
public static class AnalyticsFunctions
{
    public static IEndpointRouteBuilder MapAnalyticsFunctions(this IEndpointRouteBuilder routes, FunctionsHostSettings host)
    {
        var analytics = routes.MapGroup("/analytics").AddEndpointFilter<BearerTokenFilter>();
        Map(analytics, host, "AnalyticsSummary", "/summary", AnalyticsViews.Summary);
        Map(analytics, host, "AnalyticsSystems", "/systems", AnalyticsViews.Systems);
        Map(analytics, host, "AnalyticsAlerts", "/alerts", AnalyticsViews.Alerts);
        return routes;
    }

    private static void Map<TView>(RouteGroupBuilder group, FunctionsHostSettings host, string name, string path, Func<AnalyticsSnapshot, TView> view)
    {
        if (host.IsDisabled(name)) return;
        group.MapGet(path, (string? window, [AsParameters] SnapshotServices services) => ServeAsync(window, services, view))
            .WithName(name);
    }

    private static async Task<Results<Ok<TView>, JsonHttpResult<ErrorResponse>>> ServeAsync<TView>(
        string? window, SnapshotServices services, Func<AnalyticsSnapshot, TView> view)
    {
        var options = services.Options.CurrentValue;
        var name = string.IsNullOrEmpty(window) ? AnalyticsWindow.AllName : window;
        if (!options.WindowNames.Contains(name))
            return TypedResults.Json(new ErrorResponse($"unknown window \"{Truncate(name)}\"", options.WindowNames.ToList()),
                statusCode: StatusCodes.Status400BadRequest);

        AnalyticsSnapshot? snapshot;
        try
        {
            snapshot = await services.Store.GetAsync(name);
        }
        catch (Exception error) when (error is RedisException or TimeoutException or System.Text.Json.JsonException)
        {
            return Unavailable(services.Http, "analytics store unavailable", TimeSpan.FromSeconds(5));
        }
        return snapshot is null
            ? Unavailable(services.Http, $"no analytics snapshot for window {name} yet; the first aggregation cycle has not completed", options.Interval)
            : TypedResults.Ok(view(snapshot));
    }

    private static JsonHttpResult<ErrorResponse> Unavailable(HttpContext http, string error, TimeSpan retryAfter)
    {
        http.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Json(new ErrorResponse(error), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private sealed record SnapshotServices(SnapshotCache Store, IOptionsMonitor<ScoutOptions> Options, HttpContext Http);
}
