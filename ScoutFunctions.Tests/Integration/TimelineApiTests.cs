using System.Globalization;
using System.Net;
using System.Text.Json;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration;

/// <summary>
/// GET /analytics/timeline of the real app on Kestrel over a real redis-server: messages at known times, each point
/// recounted from them, the points' sum equal to the summary of the same cycle, and every input it refuses.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class TimelineApiTests(RedisServerFixture redis) : IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The messages added: lower-cased severity and timestamp (null: one that does not parse).</summary>
    private readonly List<(string Severity, DateTimeOffset? At)> _added = [];

    private async Task AddAsync(string severity, string system, DateTimeOffset at)
    {
        await Messages.AddAsync(redis.Database, severity, system, at);
        _added.Add((severity.ToLowerInvariant(), at));
    }

    private async Task<ScoutApp> StartWithMessagesAsync(params (string Key, string? Value)[] settings)
    {
        var now = DateTimeOffset.UtcNow;
        await AddAsync("ERROR", "api-gateway", now.AddMinutes(-1));
        await AddAsync("error", "api-gateway", now.AddMinutes(-1));
        await AddAsync("warning", "auth", now.AddMinutes(-7));
        await AddAsync("info", "billing", now.AddMinutes(-30));
        await AddAsync("critical", "billing", now.AddMinutes(-58));
        await AddAsync("info", "auth", now.AddMinutes(-75));
        await AddAsync("error", "billing", now.AddHours(-5));
        await AddAsync("debug", "billing", now.AddHours(-23));
        await AddAsync("info", "billing", now.AddDays(-3));
        // In the future: counted by every window from its start on, so in the last point.
        await AddAsync("warning", "clock-skew", now.AddMinutes(10));
        // Unparseable: "all" only, no timeline.
        await Messages.AddAsync(redis.Database, "error", "auth", "yesterday");
        var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port, settings), new PlainRedisSearchIndex(redis.Database));
        await Messages.EventuallyAsync(async () => (await app.Client.SendAsync(app.Get("/analytics/timeline"))).IsSuccessStatusCode,
            "the start-up aggregation stores a timeline");
        return app;
    }

    private static async Task<JsonElement> GetAsync(ScoutApp app, string path)
    {
        var response = await app.Client.SendAsync(app.Get(path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await HttpJson.ReadAsync(response);
    }

    private static DateTimeOffset Time(JsonElement element) => DateTimeOffset.Parse(element.GetString()!, CultureInfo.InvariantCulture);

    private static long Minute(DateTimeOffset at) => (long)Math.Floor(at.ToUnixTimeSeconds() / 60d);

    [Theory]
    [InlineData("1h", null, 1, 61)]
    [InlineData("1h", "5m", 5, 13)]
    [InlineData("1h", "1h", 60, 2)]
    [InlineData("24h", null, 24, 61)]
    [InlineData("24h", "1h", 60, 25)]
    [InlineData("24h", "7m", 7, 206)]
    [InlineData("5m", null, 1, 6)]
    public async Task Each_point_is_a_recount_and_the_points_add_up_to_the_summary(string window, string? step, int stepMinutes, int count)
    {
        await using var app = await StartWithMessagesAsync();
        var query = $"/analytics/timeline?window={window}" + (step is null ? "" : $"&step={step}");
        var timeline = await GetAsync(app, query);
        var summary = await GetAsync(app, $"/analytics/summary?window={window}");

        Assert.Equal(window, timeline.GetProperty("timeWindow").GetString());
        Assert.Equal(step ?? (stepMinutes == 1 ? "1m" : $"{stepMinutes}m"), timeline.GetProperty("step").GetString());
        // The same cycle: the summary's window start and time.
        Assert.Equal(summary.GetProperty("windowStart").GetString(), timeline.GetProperty("windowStart").GetString());
        Assert.Equal(summary.GetProperty("lastUpdated").GetString(), timeline.GetProperty("lastUpdated").GetString());

        var start = Minute(Time(timeline.GetProperty("windowStart")));
        var last = Minute(Time(timeline.GetProperty("lastUpdated")));
        var points = timeline.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(count, points.Count);
        Assert.Equal((last - start) / stepMinutes + 1, points.Count);

        // Recounted from the messages added: from the window's start on, each in its step; later than the cycle: the last point.
        var expected = Enumerable.Range(0, points.Count).Select(_ => new Dictionary<string, long>()).ToList();
        foreach (var (severity, at) in _added)
        {
            if (at is not { } time || Minute(time) < start) continue;
            var index = (int)Math.Min((Minute(time) - start) / stepMinutes, points.Count - 1);
            expected[index][severity] = expected[index].GetValueOrDefault(severity) + 1;
        }
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i];
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds((start + (long)i * stepMinutes) * 60), Time(point.GetProperty("start")));
            var counts = point.GetProperty("severityCounts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
            Assert.Equal(expected[i].OrderBy(e => e.Key), counts.OrderBy(e => e.Key));
            Assert.Equal(counts.Values.Sum(), point.GetProperty("total").GetInt64());
        }
        Assert.Equal(summary.GetProperty("totalMessages").GetInt64(), points.Sum(p => p.GetProperty("total").GetInt64()));
        Assert.True(summary.GetProperty("totalMessages").GetInt64() > 0);
        // The message timestamped ten minutes ahead is counted, in the last point.
        Assert.Equal(1, points[^1].GetProperty("severityCounts").GetProperty("warning").GetInt64());
    }

    [Theory]
    [InlineData("window=7d", "window", "unknown window \"7d\"")]
    [InlineData("window=all", "window", "window \"all\" has no timeline")]
    [InlineData("step=90s", "step", "not a whole number of minutes")]
    [InlineData("step=0m", "step", "not positive")]
    [InlineData("step=-5m", "step", "not positive")]
    [InlineData("step=abc", "step", "not a Go duration")]
    [InlineData("step=2h", "step", "longer than the window")]
    [InlineData("window=24h&step=1m", "step", "gives 1441 points, more than 1440")]
    public async Task Bad_input_gets_400_naming_the_parameter_and_the_accepted_forms(string query, string parameter, string why)
    {
        await using var app = await StartWithMessagesAsync();
        var response = await app.Client.SendAsync(app.Get("/analytics/timeline?" + query));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await HttpJson.ReadAsync(response);
        var error = body.GetProperty("error").GetString()!;
        Assert.Contains(why, error);
        Assert.Contains(parameter + " must be", error);
        if (parameter == "window")
            Assert.Equal(["5m", "1h", "24h"], body.GetProperty("availableWindows").EnumerateArray().Select(e => e.GetString()).ToList());
        else
            Assert.Contains("whole minutes", error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    public async Task Missing_or_wrong_token_gets_401(string? token)
    {
        await using var app = await StartWithMessagesAsync();
        var response = await app.Client.SendAsync(app.Get("/analytics/timeline", token));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
        await HttpJson.ReadAsync(response);
    }
}
