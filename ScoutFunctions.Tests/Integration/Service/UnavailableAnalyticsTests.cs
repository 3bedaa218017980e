using System.Net;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Service;

/// <summary>/analytics/* without a snapshot says why: no cycle has completed yet, or the last one failed and its reason.</summary>
[Collection(RedisCollection.Name)]
public sealed class UnavailableAnalyticsTests(RedisServerFixture redis)
{
    private static async Task<string> ErrorAsync(ScoutApp app, string view)
    {
        var response = await app.Client.SendAsync(app.Get("/analytics/" + view));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        return (await HttpJson.ReadAsync(response)).GetProperty("error").GetString()!;
    }

    [Fact]
    public async Task Before_any_cycle_it_says_the_first_cycle_has_not_completed()
    {
        await redis.FlushAsync();
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port, ("AzureWebJobs.AggregateAnalytics.Disabled", "true")),
            new PlainRedisSearchIndex(redis.Database));
        Assert.Equal("no analytics snapshot for window all yet; the first aggregation cycle has not completed", await ErrorAsync(app, "summary"));
    }

    [Fact]
    [Trait(ScoutProcess.Trait, ScoutProcess.SelfHost)]
    public async Task After_a_failed_cycle_it_says_the_last_cycle_failed_and_why()
    {
        await redis.FlushAsync();
        // Plain redis-server: no RediSearch, so the start-up cycle completes and fails.
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port));
        await Messages.EventuallyAsync(async () => (await ErrorAsync(app, "summary")).Contains("failed"), "the start-up cycle has failed", seconds: 20);
        foreach (var view in new[] { "summary", "systems", "alerts" })
        {
            var error = await ErrorAsync(app, view);
            Assert.StartsWith("no analytics snapshot for window all: the last aggregation cycle failed: ", error);
            Assert.Contains("Scout needs Redis 8 or Redis Stack", error);
        }
    }
}
