using System.Globalization;
using System.Net;
using System.Text.Json;
using Scout.Observability;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Service;

/// <summary>The service endpoints of the real app on Kestrel + a real redis-server: /health, /, /metrics, readiness, errors, routing settings.</summary>
[Collection(RedisCollection.Name)]
public sealed class HealthAndMetricsTests(RedisServerFixture redis) : IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Seeds five messages in three systems and waits for the start-up aggregation's snapshot.</summary>
    private async Task<ScoutApp> StartAfterFirstCycleAsync(string prefix = "", params (string Key, string? Value)[] settings)
    {
        var now = DateTimeOffset.UtcNow;
        await Messages.AddAsync(redis.Database, "error", "api-gateway", now.AddMinutes(-1));
        await Messages.AddAsync(redis.Database, "ERROR", "api-gateway", now.AddMinutes(-2));
        await Messages.AddAsync(redis.Database, "critical", "billing", now.AddMinutes(-3));
        await Messages.AddAsync(redis.Database, "info", "billing", now.AddMinutes(-4));
        await Messages.AddAsync(redis.Database, "warning", "auth", now.AddMinutes(-5));
        var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port, settings), new PlainRedisSearchIndex(redis.Database));
        await Messages.EventuallyAsync(async () => (await app.Client.SendAsync(app.Get(prefix + "/analytics/systems"))).IsSuccessStatusCode,
            "the start-up aggregation stores a snapshot");
        return app;
    }

    [Fact]
    public async Task Health_reports_build_uptime_profile_and_each_timer_function()
    {
        await using var app = await StartAfterFirstCycleAsync();
        var build = BuildInfo.FromAssembly();
        // The aggregation's status is stored right after its snapshot.
        JsonElement health = default;
        await Messages.EventuallyAsync(async () =>
        {
            health = await HttpJson.ReadAsync(await app.Client.GetAsync("/health"));
            return health.GetProperty("functions").GetProperty("AggregateAnalytics").TryGetProperty("lastRun", out _);
        }, "/health shows the aggregation's run", seconds: 5);

        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(build.Version, health.GetProperty("version").GetString());
        Assert.Equal(build.Commit, health.GetProperty("commit").GetString());
        Assert.Equal(build.Date, health.GetProperty("date").GetString());
        Assert.Matches(@"^(\d+h)?(\d+m)?\d+s$", health.GetProperty("uptime").GetString());
        Assert.Equal("environment", health.GetProperty("profile").GetProperty("source").GetString());
        Assert.False(health.TryGetProperty("functionsError", out _));

        var functions = health.GetProperty("functions");
        var aggregate = functions.GetProperty("AggregateAnalytics");
        Assert.Equal("succeeded", aggregate.GetProperty("lastOutcome").GetString());
        var lastRun = DateTimeOffset.Parse(aggregate.GetProperty("lastRun").GetString()!, CultureInfo.InvariantCulture);
        var nextRun = DateTimeOffset.Parse(aggregate.GetProperty("nextRun").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(DateTimeOffset.UtcNow - lastRun, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(30));
        // SCOUT_INTERVAL is 1h in these tests.
        Assert.InRange(nextRun - lastRun, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));
        Assert.True(aggregate.GetProperty("lastDurationSeconds").GetDouble() >= 0);
        // Not run yet: retention waits for its schedule, alerting has no pitcher URL.
        Assert.Equal("never run", functions.GetProperty("PruneRetention").GetProperty("lastOutcome").GetString());
        Assert.Equal("never run", functions.GetProperty("EvaluateAlerts").GetProperty("lastOutcome").GetString());
    }

    [Fact]
    public async Task Index_lists_every_endpoint_and_each_listed_endpoint_answers()
    {
        await using var app = await StartAfterFirstCycleAsync();

        var index = await HttpJson.ReadAsync(await app.Client.GetAsync("/"));

        Assert.Equal(BuildInfo.ServiceName, index.GetProperty("service").GetString());
        Assert.Equal(BuildInfo.FromAssembly().Version, index.GetProperty("version").GetString());
        var endpoints = index.GetProperty("endpoints").EnumerateArray().ToList();
        Assert.Equal(["/analytics/alerts", "/analytics/summary", "/analytics/systems", "/analytics/timeline", "/health", "/health/ready", "/metrics", "/openapi/v1.json"],
            endpoints.Select(e => e.GetProperty("path").GetString()).Order(StringComparer.Ordinal).ToList());
        foreach (var endpoint in endpoints)
        {
            var path = endpoint.GetProperty("path").GetString()!;
            var auth = endpoint.GetProperty("auth").GetString();
            Assert.False(string.IsNullOrWhiteSpace(endpoint.GetProperty("description").GetString()));
            var anonymous = await app.Client.SendAsync(app.Get(path, token: null));
            var authorised = await app.Client.SendAsync(app.Get(path));
            Assert.Equal(HttpStatusCode.OK, authorised.StatusCode);
            Assert.Equal(auth == "bearer" ? HttpStatusCode.Unauthorized : HttpStatusCode.OK, anonymous.StatusCode);
            await OpenApiConformance.AssertDescribedAsync(anonymous);
            await OpenApiConformance.AssertDescribedAsync(authorised);
        }
    }

    [Fact]
    public async Task Metrics_after_a_cycle_expose_the_go_names_and_the_function_invocations()
    {
        await using var app = await StartAfterFirstCycleAsync();
        string metrics = "";
        // The invocation is counted once the function returns, just after the snapshot is stored.
        await Messages.EventuallyAsync(async () =>
        {
            metrics = await app.Client.GetStringAsync("/metrics");
            return MetricsScrape.Sample(metrics, "homerun2_scout_function_invocations_total{function=\"AggregateAnalytics\",outcome=\"succeeded\"}") == 1;
        }, "the aggregation's invocation is counted", seconds: 5);

        Assert.Equal(5, MetricsScrape.Sample(metrics, "homerun2_scout_messages_total"));
        Assert.Equal(3, MetricsScrape.Sample(metrics, "homerun2_scout_systems_total"));
        Assert.Equal(2, MetricsScrape.Sample(metrics, "homerun2_scout_severity_count{severity=\"error\"}"));
        Assert.Equal(1, MetricsScrape.Sample(metrics, "homerun2_scout_severity_count{severity=\"critical\"}"));
        Assert.Equal(2, MetricsScrape.Sample(metrics, "homerun2_scout_system_message_count{system=\"api-gateway\"}"));
        Assert.Equal(2, MetricsScrape.Sample(metrics, "homerun2_scout_alert_count{severity=\"error\"}"));
        Assert.Equal(2, MetricsScrape.Sample(metrics, "homerun2_scout_top_alerting_system_count{system=\"api-gateway\"}"));
        Assert.Equal(1, MetricsScrape.Sample(metrics, "homerun2_scout_top_alerting_system_count{system=\"billing\"}"));
        Assert.Equal(1, MetricsScrape.Sample(metrics, "homerun2_scout_aggregation_duration_seconds_count"));
        Assert.Equal(0, MetricsScrape.Sample(metrics, "homerun2_scout_aggregation_errors_total"));
        Assert.InRange(MetricsScrape.Sample(metrics, "homerun2_scout_snapshot_age_seconds{window=\"all\"}") ?? -1, 0, 30);
        Assert.NotNull(MetricsScrape.Sample(metrics, "homerun2_scout_snapshot_age_seconds{window=\"1h\"}"));
        Assert.Equal(1, MetricsScrape.Sample(metrics, "homerun2_scout_function_duration_seconds_count{function=\"AggregateAnalytics\"}"));
        foreach (var (name, type) in new[]
        {
            ("homerun2_scout_messages_total", "gauge"), ("homerun2_scout_severity_count", "gauge"),
            ("homerun2_scout_system_message_count", "gauge"), ("homerun2_scout_systems_total", "gauge"),
            ("homerun2_scout_alert_count", "gauge"), ("homerun2_scout_top_alerting_system_count", "gauge"),
            ("homerun2_scout_aggregation_duration_seconds", "histogram"), ("homerun2_scout_aggregation_errors_total", "counter"),
            ("homerun2_scout_function_invocations_total", "counter"), ("homerun2_scout_function_duration_seconds", "histogram"),
        })
            Assert.Contains($"# TYPE {name} {type}\n", metrics);
    }

    [Fact]
    public async Task Http_metrics_count_requests_per_route_code_and_method_with_bounded_labels()
    {
        await using var app = await StartAfterFirstCycleAsync();

        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/analytics/summary"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.GetAsync("/analytics/summary")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/no/such/path-1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/no/such/path-2")).StatusCode);
        var brew = await app.Client.SendAsync(new HttpRequestMessage(new HttpMethod("BREW"), "/health"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, brew.StatusCode);

        var metrics = await app.Client.GetStringAsync("/metrics");

        Assert.Contains("# TYPE http_requests_received_total counter\n", metrics);
        Assert.Contains("# TYPE http_request_duration_seconds histogram\n", metrics);
        Assert.Equal(3, MetricsScrape.Sample(metrics, "http_requests_received_total{code=\"200\",method=\"GET\",endpoint=\"/analytics/summary\"}"));
        Assert.Equal(3, MetricsScrape.Sample(metrics, "http_request_duration_seconds_count{code=\"200\",method=\"GET\",endpoint=\"/analytics/summary\"}"));
        Assert.Equal(1, MetricsScrape.Sample(metrics, "http_requests_received_total{code=\"401\",method=\"GET\",endpoint=\"/analytics/summary\"}"));
        // Paths no route matched share one series, and so do methods outside HTTP's own: hostile requests cannot add series.
        Assert.Equal(2, MetricsScrape.Sample(metrics, "http_requests_received_total{code=\"404\",method=\"GET\",endpoint=\"\"}"));
        Assert.Equal(1, MetricsScrape.Sample(metrics, "http_requests_received_total{code=\"405\",method=\"OTHER\",endpoint=\"\"}"));
        Assert.DoesNotContain("/no/such", metrics);
        Assert.DoesNotContain("BREW", metrics);
    }

    [Fact]
    public async Task Ready_is_200_while_redis_answers()
    {
        await using var app = await StartAfterFirstCycleAsync();

        var response = await app.Client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await HttpJson.ReadAsync(response);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.StartsWith("redis answered", body.GetProperty("checks").GetProperty("redis").GetString());
    }

    [Fact]
    public async Task Unknown_routes_and_wrong_methods_get_json_errors()
    {
        await using var app = await StartAfterFirstCycleAsync();

        var missing = await app.Client.SendAsync(app.Get("/analytics/nothing"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("not found", (await HttpJson.ReadAsync(missing)).GetProperty("error").GetString());

        foreach (var path in new[] { "/health", "/analytics/summary", "/health/ready", "/metrics", "/" })
        {
            var post = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("{}") };
            post.Headers.Authorization = new("Bearer", ScoutApp.Token);
            var wrong = await app.Client.SendAsync(post);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, wrong.StatusCode);
            Assert.Equal("method not allowed", (await HttpJson.ReadAsync(wrong)).GetProperty("error").GetString());
        }
    }

    [Fact]
    public async Task Route_prefix_from_host_settings_moves_every_route()
    {
        await using var app = await StartAfterFirstCycleAsync("/scout", ("extensions:http:routePrefix", "/scout/"));

        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/scout/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/scout/health/ready")).StatusCode);
        Assert.Contains("homerun2_scout_messages_total", await app.Client.GetStringAsync("/scout/metrics"));
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/scout/analytics/summary"))).StatusCode);
        var index = await HttpJson.ReadAsync(await app.Client.GetAsync("/scout/"));
        Assert.All(index.GetProperty("endpoints").EnumerateArray(), e => Assert.StartsWith("/scout/", e.GetProperty("path").GetString()));

        foreach (var path in new[] { "/health", "/metrics", "/analytics/summary" })
        {
            var old = await app.Client.SendAsync(app.Get(path));
            Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
            Assert.Equal("not found", (await HttpJson.ReadAsync(old)).GetProperty("error").GetString());
        }
    }

    [Fact]
    public async Task A_disabled_http_function_is_not_routed_while_the_others_work()
    {
        await using var app = await StartAfterFirstCycleAsync("", ("AzureWebJobs.AnalyticsSummary.Disabled", "true"));

        var summary = await app.Client.SendAsync(app.Get("/analytics/summary"));
        Assert.Equal(HttpStatusCode.NotFound, summary.StatusCode);
        Assert.Equal("not found", (await HttpJson.ReadAsync(summary)).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/analytics/systems"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(app.Get("/analytics/alerts"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/health")).StatusCode);

        // The index lists only what is served.
        var listed = (await HttpJson.ReadAsync(await app.Client.GetAsync("/"))).GetProperty("endpoints").EnumerateArray()
            .Select(e => e.GetProperty("path").GetString()).ToList();
        Assert.DoesNotContain("/analytics/summary", listed);
        Assert.Contains("/analytics/systems", listed);
        Assert.DoesNotContain(listed, p => p is null);
    }
}
