using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Scout.Alerting;
using Scout.Tests.Infrastructure;
using Reply = Scout.Tests.Infrastructure.FakePitcher.Reply;

namespace Scout.Tests.Integration.Alerting;

/// <summary>
/// Delivery through the resilience pipeline against a real listener: transient failures are retried,
/// client errors are not, and an undelivered alert frees its cooldown so the next cycle sends it.
/// Only the critical rule fires here, so every request belongs to one alert.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class PitchDeliveryFailureTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const string Sent = "homerun2_scout_alerts_sent_total";
    private const string Failed = "homerun2_scout_alerts_failed_total";
    private static readonly (string, string) Critical = ("rule", "critical");

    private FakePitcher _pitcher = null!;

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        await redis.SeedRecentAsync("critical", 1);
        _pitcher = await FakePitcher.StartAsync();
    }

    public async Task DisposeAsync() => await _pitcher.DisposeAsync();

    private Task<ScoutApp> StartAsync(string? url = null, params (string Key, string? Value)[] settings) =>
        AlertingApp.StartAsync(redis, url ?? _pitcher.BaseUrl,
            [("ALERT_ERROR_THRESHOLD", "0"), ("ALERT_CRITICAL_THRESHOLD", "1"), .. settings]);

    [Theory]
    [InlineData(503)]
    [InlineData(500)]
    [InlineData(429)]
    [InlineData(408)]
    public async Task A_transient_failure_then_success_delivers_the_alert_once(int status)
    {
        _pitcher.Script(Reply.Ok, new Reply(status, RetryAfter: TimeSpan.Zero));
        await using var app = await StartAsync();

        await app.EvaluateAsync();

        Assert.Equal(2, _pitcher.Requests.Count);
        Assert.Equal(_pitcher.Requests[0].Body, _pitcher.Requests[1].Body);
        Assert.Equal(1, await app.MetricAsync(Sent, Critical));
        Assert.Equal(0, await app.MetricAsync(Failed, Critical));
        Assert.True(await redis.CooldownHeldAsync("critical"));
    }

    [Fact]
    public async Task The_retry_waits_as_long_as_Retry_After_asks()
    {
        // 3 s is longer than the first jittered backoff can be (at most ~2.75 s for the 2 s base delay),
        // so a gap of 3 s shows the header was honoured.
        _pitcher.Script(Reply.Ok, new Reply(503, RetryAfter: TimeSpan.FromSeconds(3)));
        await using var app = await StartAsync();

        await app.EvaluateAsync();

        Assert.Equal(2, _pitcher.Requests.Count);
        Assert.InRange(_pitcher.Requests[1].At - _pitcher.Requests[0].At, TimeSpan.FromSeconds(2.9), TimeSpan.FromSeconds(6));
        Assert.Equal(1, await app.MetricAsync(Sent, Critical));
    }

    [Fact]
    public async Task Exhausted_retries_count_a_failure_and_release_the_cooldown_for_the_next_cycle()
    {
        _pitcher.Always(new Reply(500, RetryAfter: TimeSpan.Zero));
        await using var app = await StartAsync(settings: ("ALERT_RETRIES", "2"));

        await app.EvaluateAsync();

        Assert.Equal(3, _pitcher.Requests.Count); // the first attempt and ALERT_RETRIES=2 retries
        Assert.Equal(1, await app.MetricAsync(Failed, Critical));
        Assert.Equal(0, await app.MetricAsync(Sent, Critical));
        Assert.False(await redis.CooldownHeldAsync("critical"));

        _pitcher.Always(Reply.Ok);
        await app.EvaluateAsync();

        Assert.Equal(4, _pitcher.Requests.Count);
        Assert.Equal(1, await app.MetricAsync(Sent, Critical));
        Assert.True(await redis.CooldownHeldAsync("critical"));
    }

    [Fact]
    public async Task A_scheduled_cycle_that_failed_is_followed_by_one_that_delivers()
    {
        _pitcher.Script(Reply.Ok, new Reply(500, RetryAfter: TimeSpan.Zero), new Reply(500, RetryAfter: TimeSpan.Zero));
        await using var app = await StartAsync(settings: ("ALERT_SCHEDULE", "1s"));

        await Messages.EventuallyAsync(async () => await app.MetricAsync(Sent, Critical) == 1, "a later cycle delivers the alert", seconds: 8);

        Assert.Equal(1, await app.MetricAsync(Failed, Critical));
        Assert.Equal(3, _pitcher.Requests.Count);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    [InlineData(422)]
    public async Task Client_errors_are_not_retried_and_free_the_cooldown(int status)
    {
        _pitcher.Always(new Reply(status, RetryAfter: TimeSpan.Zero));
        await using var app = await StartAsync();

        await app.EvaluateAsync();

        Assert.Single(_pitcher.Requests);
        Assert.Equal(1, await app.MetricAsync(Failed, Critical));
        Assert.False(await redis.CooldownHeldAsync("critical"));
    }

    [Fact]
    public async Task A_hanging_pitcher_is_cut_off_by_the_attempt_timeout()
    {
        _pitcher.Always(Reply.Hanging);
        await using var app = await StartAsync(settings: ("ALERT_TIMEOUT", "1s"));

        var watch = Stopwatch.StartNew();
        await app.EvaluateAsync();

        // Two 1 s attempts plus at most one jittered backoff (~2.75 s).
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(8));
        Assert.Equal(2, _pitcher.Requests.Count);
        Assert.Equal(1, await app.MetricAsync(Failed, Critical));
        Assert.False(await redis.CooldownHeldAsync("critical"));
    }

    [Fact]
    public async Task A_delivery_cut_short_by_shutdown_frees_the_cooldown_for_the_next_replica()
    {
        _pitcher.Always(Reply.Hanging);
        await using var app = await StartAsync(settings: ("ALERT_TIMEOUT", "5s"));
        using var shutdown = new CancellationTokenSource();

        var evaluation = app.Services.GetRequiredService<AlertEvaluator>().EvaluateAsync(shutdown.Token);
        await Messages.EventuallyAsync(() => Task.FromResult(_pitcher.Requests.Count > 0), "the delivery is under way", seconds: 5);
        await shutdown.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => evaluation);
        // Not delivered: another replica's next cycle must not wait out the cooldown.
        Assert.False(await redis.CooldownHeldAsync("critical"));
    }

    [Fact]
    public async Task A_pitcher_that_is_down_neither_crashes_the_app_nor_stops_aggregation()
    {
        await using var app = await StartAsync(FakePitcher.Unreachable(), ("SCOUT_INTERVAL", "1s"), ("ALERT_SCHEDULE", "1s"));

        await Messages.EventuallyAsync(async () => await app.MetricAsync(Failed, Critical) >= 1, "a delivery to the closed port fails", seconds: 8);
        var aggregations = await app.MetricAsync("homerun2_scout_function_invocations_total", ("function", "AggregateAnalytics"), ("outcome", "succeeded"));

        var health = await app.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var evaluate = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("functions").GetProperty("EvaluateAlerts");
        // A failed delivery is reported by metrics and logs, not as a failed function run.
        Assert.Equal("succeeded", evaluate.GetProperty("lastOutcome").GetString());
        await Messages.EventuallyAsync(async () =>
                await app.MetricAsync("homerun2_scout_function_invocations_total", ("function", "AggregateAnalytics"), ("outcome", "succeeded")) > aggregations,
            "aggregation keeps running after the failed delivery", seconds: 5);
        Assert.Equal(0, await app.MetricAsync(Sent, Critical));
    }
}
