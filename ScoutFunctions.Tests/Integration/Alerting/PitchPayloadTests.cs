using System.Text.Json;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Alerting;

/// <summary>What omni-pitcher receives: the Go service's payload, headers and endpoint, over a real HTTP listener.</summary>
[Collection(RedisCollection.Name)]
public sealed class PitchPayloadTests(RedisServerFixture redis) : IAsyncLifetime
{
    private FakePitcher _pitcher = null!;

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        _pitcher = await FakePitcher.StartAsync();
    }

    public async Task DisposeAsync() => await _pitcher.DisposeAsync();

    private static Dictionary<string, string?> Fields(JsonElement body) =>
        body.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());

    [Fact]
    public async Task Each_triggered_rule_posts_the_go_fields_with_a_message_naming_count_threshold_and_window()
    {
        await redis.SeedRecentAsync("error", 3);
        await redis.SeedRecentAsync("info", 4);
        await using var app = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl);

        await app.EvaluateAsync();

        var bodies = _pitcher.Requests.Select(r => Fields(r.Json)).ToDictionary(f => f["title"]!);
        Assert.Equal(2, _pitcher.Requests.Count);
        Assert.Equal(new Dictionary<string, string?>
        {
            ["title"] = "Scout: Error threshold exceeded",
            ["message"] = "Error count 3 in the last 5m exceeds threshold 2",
            ["severity"] = "WARNING",
            ["author"] = "homerun2-scout",
            ["system"] = "homerun2-scout",
            ["tags"] = "scout,threshold,error",
        }, bodies["Scout: Error threshold exceeded"]);
        // Total alerts (error + critical) against the sum of both thresholds, as the Go service did.
        Assert.Equal(new Dictionary<string, string?>
        {
            ["title"] = "Scout: Total alerts threshold exceeded",
            ["message"] = "Total alert count 3 in the last 5m exceeds threshold 2",
            ["severity"] = "ERROR",
            ["author"] = "homerun2-scout",
            ["system"] = "homerun2-scout",
            ["tags"] = "scout,threshold,alerts",
        }, bodies["Scout: Total alerts threshold exceeded"]);
    }

    [Fact]
    public async Task Posts_are_json_with_the_pitcher_bearer_token()
    {
        await redis.SeedRecentAsync("critical", 1);
        await using var app = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl,
            ("ALERT_ERROR_THRESHOLD", "0"), ("ALERT_CRITICAL_THRESHOLD", "1"));

        await app.EvaluateAsync();

        var request = Assert.Single(_pitcher.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("Bearer " + AlertingApp.PitchToken, request.Header("Authorization"));
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.Equal("Critical count 1 in the last 5m exceeds threshold 1", request.Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Without_a_pitcher_token_no_authorization_header_is_sent()
    {
        await redis.SeedRecentAsync("critical", 1);
        await using var app = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl,
            ("ALERT_PITCHER_TOKEN", ""), ("ALERT_ERROR_THRESHOLD", "0"), ("ALERT_CRITICAL_THRESHOLD", "1"));

        await app.EvaluateAsync();

        var request = Assert.Single(_pitcher.Requests);
        Assert.Null(request.Header("Authorization"));
        Assert.Equal("Scout: Critical threshold exceeded", request.Json.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("", "/pitch")]
    [InlineData("/", "/pitch")]
    [InlineData("/pitch", "/pitch")]
    [InlineData("/hooks/pitch", "/hooks/pitch")]
    [InlineData("/hooks", "/hooks/pitch")]
    public async Task A_base_url_gets_pitch_appended_and_a_pitch_url_is_used_as_is(string configuredPath, string postedPath)
    {
        await redis.SeedRecentAsync("critical", 1);
        await using var app = await AlertingApp.StartAsync(redis, _pitcher.BaseUrl + configuredPath,
            ("ALERT_ERROR_THRESHOLD", "0"), ("ALERT_CRITICAL_THRESHOLD", "1"));

        await app.EvaluateAsync();

        Assert.Equal(postedPath, Assert.Single(_pitcher.Requests).Path);
    }
}
