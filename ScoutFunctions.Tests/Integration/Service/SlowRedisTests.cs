using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Service;

/// <summary>A Redis that answers slowly (DEBUG SLEEP blocks the real server) never makes liveness slow.</summary>
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
}
