using System.Runtime.CompilerServices;
using System.Text.Json;
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
    private const string JsonContentType = "application/json; charset=utf-8";

    public static IEndpointRouteBuilder MapAnalyticsFunctions(this IEndpointRouteBuilder routes, FunctionsHostSettings host)
    {
        var analytics = routes.MapGroup("/analytics")
            .AddEndpointFilter(routes.ServiceProvider.GetRequiredService<BearerTokenFilter>());
        Map(analytics, host, "AnalyticsSummary", "/summary", AnalyticsViews.Summary);
        Map(analytics, host, "AnalyticsSystems", "/systems", AnalyticsViews.Systems);
        Map(analytics, host, "AnalyticsAlerts", "/alerts", AnalyticsViews.Alerts);
        return routes;
    }

    private static void Map<TView>(RouteGroupBuilder group, FunctionsHostSettings host, string name, string path, Func<AnalyticsSnapshot, TView> view)
    {
        if (host.IsDisabled(name)) return;
        // A snapshot is read once per second at most and then served to every request in between:
        // its JSON is rendered once per snapshot object, not once per request, with the HTTP JSON options
        // every other answer uses (so text is escaped the same way).
        var json = ((IEndpointRouteBuilder)group).ServiceProvider.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var rendered = new ConditionalWeakTable<AnalyticsSnapshot, byte[]>();
        ConditionalWeakTable<AnalyticsSnapshot, byte[]>.CreateValueCallback serialize = snapshot => JsonSerializer.SerializeToUtf8Bytes(view(snapshot), json);
        Func<AnalyticsSnapshot, byte[]> render = snapshot => rendered.GetValue(snapshot, serialize);
        group.MapGet(path, (string? window, [AsParameters] SnapshotServices services) => ServeAsync(window, services, render))
            .WithName(name);
    }

    private static async Task<Results<Utf8ContentHttpResult, JsonHttpResult<ErrorResponse>>> ServeAsync(
        string? window, SnapshotServices services, Func<AnalyticsSnapshot, byte[]> render)
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
            : TypedResults.Text(render(snapshot), JsonContentType);
    }

    private static JsonHttpResult<ErrorResponse> Unavailable(HttpContext http, string error, TimeSpan retryAfter)
    {
        http.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Json(new ErrorResponse(error), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    internal sealed record SnapshotServices(SnapshotCache Store, IOptionsMonitor<ScoutOptions> Options, HttpContext Http);
}
