using System.Net;
using System.Text.Json;
using Scout.Samples.Producer;
using Scout.Tests.Contract;
using Scout.Tests.Deployment;
using Scout.Tests.Infrastructure;
using Scout.Tests.Integration.Profile;
using Xunit.Abstractions;

namespace Scout.Tests.Integration.Service;

/// <summary>
/// The self-host as operators run it, a process of its own (the native AOT binary when SCOUT_TEST_NATIVE_SELFHOST names
/// it, else the managed build): on a Redis Stack as the documented ACL user, with a ScoutProfile watched through a
/// Kubernetes API and a pitcher, it counts what a producer wrote, serves every endpoint as the OpenAPI document says,
/// applies a profile change live and pages the pitcher.
/// </summary>
[Trait(ScoutProcess.Trait, ScoutProcess.SelfHost)]
public sealed class SelfHostJobTests(ITestOutputHelper output)
{
    private const string Token = "job-token-5f0c2e";

    [RedisStackModulesFact]
    public async Task The_self_host_process_does_its_whole_job()
    {
        await using var stack = await AclRedisStack.StartAsync();
        await using var pitcher = await FakePitcher.StartAsync();
        pitcher.Always(FakePitcher.Reply.Ok);
        await using var kubernetes = await FakeKubernetesApi.StartAsync();
        kubernetes.PutProfile(ProfiledScout.Namespace, ProfiledScout.Name, ProfiledScout.Spec("""{"windows":"2h"}"""));
        var producer = new SampleProducer(stack.Database,
            new ProducerOptions(Rate: 200, Systems: 4, Duration: TimeSpan.FromSeconds(1), Seed: 7, Backfill: 120), TimeProvider.System);
        await producer.RunAsync(CancellationToken.None);

        await using var http = SelfHostHttp.Start(Token, output,
        [
            ("REDIS_ADDR", "127.0.0.1"), ("REDIS_PORT", stack.Port.ToString()),
            .. AclRedisStack.ScoutEnvironment.Select(e => (e.Key, e.Value!)),
            ("SCOUT_INTERVAL", "1s"), ("SCOUT_RETENTION_ENABLED", "false"),
            ("ALERT_PITCHER_URL", pitcher.BaseUrl), ("ALERT_ERROR_THRESHOLD", "1"), ("ALERT_CRITICAL_THRESHOLD", "1"),
            ("ALERT_SCHEDULE", "00:00:01"),
            ("KUBECONFIG", kubernetes.Kubeconfig.Path), ("POD_NAMESPACE", ProfiledScout.Namespace), ("SCOUT_PROFILE_NAME", ProfiledScout.Name),
        ]);
        await AssertJobAsync(http, kubernetes, pitcher, producer);
    }

    private static async Task AssertJobAsync(SelfHostHttp http, FakeKubernetesApi kubernetes, FakePitcher pitcher, SampleProducer producer)
    {
        var client = http.Client;
        // What the producer wrote before Scout started, counted by the first full pass; the profile's window is served.
        var wrote = producer.Report;
        var summary = await http.EventuallyServedAsync("/analytics/summary", wrote.Total);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(http.Get("/analytics/summary?window=2h"))).StatusCode);
        Assert.Equal(wrote.Severities.OrderBy(s => s.Key), summary.GetProperty("severityCounts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64()).OrderBy(s => s.Key));
        var systems = JsonDocument.Parse(await (await client.SendAsync(http.Get("/analytics/systems"))).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(wrote.Systems.Count, systems.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(http.Get("/analytics/alerts"))).StatusCode);

        // Written while it runs: counted from the stream.
        await producer.RunAsync(CancellationToken.None);
        await http.EventuallyServedAsync("/analytics/summary", producer.Report.Total);

        // Errors as JSON: no token, an unknown window, a path no function has.
        var denied = await client.GetAsync("/analytics/summary");
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Contains("\"error\"", await denied.Content.ReadAsStringAsync());
        var unknown = await client.SendAsync(http.Get("/analytics/summary?window=9y"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("availableWindows", await unknown.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/no-such-path")).StatusCode);

        // The service endpoints, the committed OpenAPI document and the metrics dashboards and alerts read.
        var health = JsonDocument.Parse(await client.GetStringAsync("/health")).RootElement;
        Assert.Equal(ProfiledScout.Name, health.GetProperty("profile").GetProperty("name").GetString());
        Assert.Contains("/analytics/summary", await client.GetStringAsync("/"));
        Assert.Equal(RepositoryFiles.Read("docs/openapi/v1.json"), await client.GetStringAsync("/openapi/v1.json"));
        var metrics = await client.GetStringAsync("/metrics");
        foreach (var name in new[] { "http_requests_received_total", "homerun2_scout_messages_total", "homerun2_scout_function_invocations_total", "homerun2_scout_stream_entries_counted_total", "homerun2_scout_full_passes_total" })
            Assert.Contains(name, metrics);

        // A profile change applies live through the watch.
        kubernetes.PutProfile(ProfiledScout.Namespace, ProfiledScout.Name, ProfiledScout.Spec("""{"windows":"3h"}"""));
        await Messages.EventuallyAsync(async () => (await client.SendAsync(http.Get("/analytics/summary?window=3h"))).StatusCode == HttpStatusCode.OK,
            "the window the changed profile names is served", seconds: 20);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(http.Get("/analytics/summary?window=2h"))).StatusCode);

        // Errors and criticals over the thresholds page the pitcher.
        await Messages.EventuallyAsync(() => Task.FromResult(pitcher.Requests.Count > 0), "the pitcher received an alert", seconds: 20);
        Assert.Equal("POST", pitcher.Requests[0].Method);
    }
}
