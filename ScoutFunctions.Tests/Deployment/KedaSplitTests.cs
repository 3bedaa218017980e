using System.Net;
using System.Text.Json;
using FunctionsSelfHost.Timers;
using Microsoft.Extensions.DependencyInjection;
using Scout.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Scout.Tests.Deployment;

/// <summary>
/// keda/'s two Deployments, run as the real app with the function settings their manifests set: the HTTP pod
/// serves what the timers pod computes, through Redis, and neither runs the other's functions.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class KedaSplitTests(RedisServerFixture redis) : IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The literal env entries of the one container of the Deployment in a keda/ file.</summary>
    private static Dictionary<string, string> FunctionSettings(string file)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(RepositoryFiles.Read(file)));
        static YamlNode At(YamlNode node, string key) => ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        var deployment = yaml.Documents.Select(d => d.RootNode).Single(n => At(n, "kind").ToString() == "Deployment");
        var container = Assert.Single((YamlSequenceNode)At(At(At(At(deployment, "spec"), "template"), "spec"), "containers"));
        return ((YamlSequenceNode)At(container, "env")).Cast<YamlMappingNode>()
            .Where(e => e.Children.ContainsKey(new YamlScalarNode("value")) && At(e, "name").ToString().StartsWith("AzureWebJobs", StringComparison.Ordinal))
            .ToDictionary(e => At(e, "name").ToString(), e => At(e, "value").ToString());
    }

    private Task<ScoutApp> StartPodAsync(string file) =>
        ScoutApp.StartAsync(ScoutApp.Settings(redis.Port, [.. FunctionSettings(file).Select(kv => (kv.Key, (string?)kv.Value))]),
            new PlainRedisSearchIndex(redis.Database));

    [Fact]
    public void The_manifests_disable_functions_that_exist_with_the_dotted_setting_names()
    {
        var http = FunctionSettings("keda/deployment-http.yaml");
        var timers = FunctionSettings("keda/deployment-timers.yaml");
        // Timer names come from the app itself, so a renamed function fails here instead of silently running.
        using var app = Program.Build([], ScoutApp.Settings(redis.Port));
        var timerNames = app.Services.GetServices<ITimerFunction>().Select(f => f.Name).Order().ToList();
        Assert.Equal(timerNames.Select(n => $"AzureWebJobs.{n}.Disabled").Order(), http.Keys.Order());
        Assert.All(http.Values, v => Assert.Equal("true", v));
        Assert.Equal(["AzureWebJobs.AnalyticsAlerts.Disabled", "AzureWebJobs.AnalyticsSummary.Disabled", "AzureWebJobs.AnalyticsSystems.Disabled", "AzureWebJobs.AnalyticsTimeline.Disabled"], timers.Keys.Order());
        Assert.All(timers.Values, v => Assert.Equal("true", v));
    }

    [Fact]
    public async Task The_http_pod_serves_the_snapshot_the_timers_pod_computes_and_neither_runs_the_others_functions()
    {
        var now = DateTimeOffset.UtcNow;
        await Messages.AddAsync(redis.Database, "error", "api-gateway", now.AddMinutes(-1));
        await Messages.AddAsync(redis.Database, "info", "billing", now.AddMinutes(-2));
        await Messages.AddAsync(redis.Database, "critical", "billing", now.AddMinutes(-3));

        await using var http = await StartPodAsync("keda/deployment-http.yaml");
        // AggregateAnalytics runs on start-up wherever it is enabled; here it must not run at all.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Null(await http.Services.GetRequiredService<ITimerStore>().GetRecordAsync("AggregateAnalytics"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.Client.SendAsync(http.Get("/analytics/summary"))).StatusCode);

        await using var timers = await StartPodAsync("keda/deployment-timers.yaml");
        Assert.Equal(HttpStatusCode.NotFound, (await timers.Client.SendAsync(timers.Get("/analytics/summary"))).StatusCode);
        foreach (var probe in new[] { "/health", "/health/ready", "/metrics" })
            Assert.Equal(HttpStatusCode.OK, (await timers.Client.SendAsync(timers.Get(probe))).StatusCode);

        HttpResponseMessage? served = null;
        await Messages.EventuallyAsync(async () => (served = await http.Client.SendAsync(http.Get("/analytics/summary"))).IsSuccessStatusCode,
            "the HTTP pod serves the snapshot once the timers pod has aggregated", seconds: 8);
        var summary = JsonDocument.Parse(await served!.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(3, summary.GetProperty("totalMessages").GetInt64());

        // The HTTP ScaledObject scales on a metric the HTTP pod really exports, and it counts the requests served.
        var query = System.Text.RegularExpressions.Regex.Match(RepositoryFiles.Read("keda/scaledobject-http.yaml"), @"query: sum\(rate\((\w+)\{");
        Assert.True(query.Success, "no sum(rate(<metric>{...})) query in keda/scaledobject-http.yaml");
        var exposition = await http.Client.GetStringAsync("/metrics");
        var served200 = MetricsScrape.Sum(exposition, query.Groups[1].Value, ("code", "200"));
        Assert.True(served200 >= 1, $"{query.Groups[1].Value} counts no 200 answer in the HTTP pod's /metrics");
    }
}
