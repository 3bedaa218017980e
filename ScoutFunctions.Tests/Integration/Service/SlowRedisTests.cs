using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Scout.Caching;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Service;

/// <summary>A Redis that answers slowly (DEBUG SLEEP) or not at all (SIGSTOP) never holds liveness or an analytics request past its bound.</summary>
public sealed class SlowRedisTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Health_answers_within_the_probe_timeout_while_redis_is_blocked()
    {
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port), new PlainRedisSearchIndex(redis.Database));
        await Messages.EventuallyAsync(async () => (await app.Client.SendAsync(app.Get("/analytics/summary"))).IsSuccessStatusCode, "first cycle");

        // Blocks the server for 4 s from another connection; Scout's connection stays open but gets no answers.
        var sleep = redis.Database.ExecuteAsync("DEBUG", "SLEEP", "4");
        await Task.Delay(200);
        var watch = Stopwatch.StartNew();
        var response = await app.Client.GetAsync("/health");
        watch.Stop();
        await sleep;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"/health took {watch.Elapsed.TotalSeconds:F1} s (probe timeout 3 s)");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("timer store unreachable", body.GetProperty("functionsError").GetString());
    }

    [Fact]
    public async Task A_window_this_replica_holds_nothing_for_answers_503_with_retry_after_within_its_bound_while_redis_is_frozen()
    {
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port), new PlainRedisSearchIndex(redis.Database));
        await Messages.EventuallyAsync(async () => (await app.Client.SendAsync(app.Get("/analytics/summary"))).IsSuccessStatusCode, "first cycle");

        // The 24h window was stored by the cycle but never requested here: the replica holds nothing for it.
        redis.Freeze();
        HttpResponseMessage response;
        var watch = Stopwatch.StartNew();
        try
        {
            response = await app.Client.SendAsync(app.Get("/analytics/summary?window=24h"));
            watch.Stop();
        }
        finally
        {
            redis.Thaw();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(watch.Elapsed < ReadBounds.FirstReadWait + TimeSpan.FromSeconds(1), $"the 503 took {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("analytics store unavailable", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        // Once Redis answers again the window is served.
        await Messages.EventuallyAsync(async () => (await app.Client.SendAsync(app.Get("/analytics/summary?window=24h"))).IsSuccessStatusCode,
            "the window after the thaw", seconds: 10);
    }
}
