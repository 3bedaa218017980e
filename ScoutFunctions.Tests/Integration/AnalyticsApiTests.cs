using System.Net;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration;

/// <summary>The real app on Kestrel + a real redis-server: aggregation on start-up, then the analytics API.</summary>
[Collection(RedisCollection.Name)]
public sealed class AnalyticsApiTests(RedisServerFixture redis) : IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<ScoutApp> StartWithMessagesAsync(params (string Key, string? Value)[] settings)
    {
        var now = DateTimeOffset.UtcNow;
        await Messages.AddAsync(redis.Database, "ERROR", "api-gateway", now.AddMinutes(-1));
        await Messages.AddAsync(redis.Database, "error", "api-gateway", now.AddHours(-2));
        await Messages.AddAsync(redis.Database, "critical", "billing", now.AddMinutes(-30));
        await Messages.AddAsync(redis.Database, "info", "billing", now.AddDays(-3));
        await Messages.AddAsync(redis.Database, "warning", "auth", "yesterday");
        var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port, settings), new PlainRedisSearchIndex(redis.Database));
        await Messages.EventuallyAsync(async () => (await app.Client.SendAsync(app.Get("/analytics/summary"))).IsSuccessStatusCode,
            "the start-up aggregation stores a snapshot");
        return app;
    }

    [Fact]
    public async Task Summary_of_all_messages_has_the_go_shape_and_merges_severity_case()
    {
        await using var app = await StartWithMessagesAsync();
        var summary = await HttpJson.ParseAsync(await app.Client.SendAsync(app.Get("/analytics/summary")));

        Assert.Equal(5, summary.GetProperty("totalMessages").GetInt64());
        Assert.Equal("all", summary.GetProperty("timeWindow").GetString());
        var counts = summary.GetProperty("severityCounts");
        Assert.Equal(2, counts.GetProperty("error").GetInt64());
        Assert.Equal(1, counts.GetProperty("critical").GetInt64());
        Assert.Equal(1, counts.GetProperty("info").GetInt64());
        Assert.Equal(1, counts.GetProperty("warning").GetInt64());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", summary.GetProperty("lastUpdated").GetString());
    }

    [Fact]
    public async Task Windows_count_only_messages_inside_them()
    {
        await using var app = await StartWithMessagesAsync();
        var hour = await HttpJson.ParseAsync(await app.Client.SendAsync(app.Get("/analytics/summary?window=1h")));
        Assert.Equal(2, hour.GetProperty("totalMessages").GetInt64());
        Assert.Equal("1h", hour.GetProperty("timeWindow").GetString());

        var day = await HttpJson.ParseAsync(await app.Client.SendAsync(app.Get("/analytics/summary?window=24h")));
        Assert.Equal(3, day.GetProperty("totalMessages").GetInt64());

        var five = await HttpJson.ParseAsync(await app.Client.SendAsync(app.Get("/analytics/alerts?window=5m")));
        Assert.Equal(1, five.GetProperty("totalAlerts").GetInt64());
    }

    [Fact]
    public async Task Systems_and_alerts_views_rank_by_count()
    {
        await using var app = await StartWithMessagesAsync();
        var systems = await HttpJson.ParseAsync(await app.Client.SendAsync(app.Get("/analytics/systems")));
        Assert.Equal(3, systems.GetProperty("total").GetInt32());
        var first = systems.GetProperty("systems")[0];
        Assert.Equal("api-gateway", first.GetProperty("system").GetString());
        Assert.Equal(2, first.GetProperty("count").GetInt64());

        var alerts = await HttpJson.ParseAsync(await app.Client.SendAsync(app.Get("/analytics/alerts")));
        Assert.Equal(3, alerts.GetProperty("totalAlerts").GetInt64());
        Assert.Equal(2, alerts.GetProperty("severityCounts").GetProperty("error").GetInt64());
        Assert.Equal(1, alerts.GetProperty("severityCounts").GetProperty("critical").GetInt64());
        Assert.Equal("api-gateway", alerts.GetProperty("topSystems")[0].GetProperty("system").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    [InlineData("test-token-012345678")]
    public async Task Missing_or_wrong_token_gets_401_json(string? token)
    {
        await using var app = await StartWithMessagesAsync();
        var response = await app.Client.SendAsync(app.Get("/analytics/summary", token));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
        Assert.DoesNotContain(ScoutApp.Token, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Unknown_window_gets_400_listing_the_available_ones()
    {
        await using var app = await StartWithMessagesAsync();
        var response = await app.Client.SendAsync(app.Get("/analytics/summary?window=7d"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await HttpJson.ParseAsync(response);
        Assert.Contains("7d", body.GetProperty("error").GetString());
        var available = body.GetProperty("availableWindows").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(["all", "5m", "1h", "24h"], available);
    }

    [Fact]
    public async Task Names_are_written_as_text_not_escaped_like_every_other_answer()
    {
        await Messages.AddAsync(redis.Database, "error", "café+R&D <eu>", DateTimeOffset.UtcNow.AddMinutes(-1));
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port), new PlainRedisSearchIndex(redis.Database));
        await Messages.EventuallyAsync(async () => (await app.Client.SendAsync(app.Get("/analytics/systems"))).IsSuccessStatusCode,
            "the start-up aggregation stores a snapshot");

        foreach (var path in new[] { "/analytics/systems", "/analytics/alerts" })
        {
            var raw = await (await app.Client.SendAsync(app.Get(path))).Content.ReadAsStringAsync();
            Assert.Contains("\"café+R&D <eu>\"", raw);
        }
    }
}
