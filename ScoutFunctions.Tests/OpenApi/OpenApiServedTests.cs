using System.Net;
using System.Text.Json.Nodes;
using Scout.Tests.Deployment;
using Scout.Tests.Infrastructure;
using Scout.Tests.Integration.Service;

namespace Scout.Tests.OpenApi;

/// <summary>The document as the self-host serves it: the committed one, listed in GET /, moved by the route prefix.</summary>
[Trait(ScoutProcess.Trait, ScoutProcess.SelfHost)]
public sealed class OpenApiServedTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task The_self_host_serves_the_committed_document_and_lists_it()
    {
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port));

        var response = await app.Client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await HttpJson.ReadAsync(response);
        Assert.Equal(await File.ReadAllBytesAsync(RepositoryFiles.PathOf(OpenApiConformance.CommittedPath)), await response.Content.ReadAsByteArrayAsync());
        var listed = (await HttpJson.ReadAsync(await app.Client.GetAsync("/"))).GetProperty("endpoints").EnumerateArray()
            .Single(e => e.GetProperty("path").GetString() == "/openapi/v1.json");
        Assert.Equal("none", listed.GetProperty("auth").GetString());
    }

    [Fact]
    public async Task Under_a_route_prefix_the_served_document_names_it_as_the_server_url()
    {
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port, ("extensions:http:routePrefix", "/scout/")));

        var served = JsonNode.Parse(await (await app.Client.GetAsync("/scout/openapi/v1.json")).Content.ReadAsStringAsync())!;

        var committed = JsonNode.Parse(await File.ReadAllTextAsync(RepositoryFiles.PathOf(OpenApiConformance.CommittedPath)))!;
        Assert.Equal("/scout", served["servers"]![0]!["url"]!.GetValue<string>());
        Assert.Equal(committed["paths"]!.AsObject().Select(p => p.Key), served["paths"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task A_disabled_function_is_not_in_the_served_document()
    {
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port, ("AzureWebJobs.AnalyticsSummary.Disabled", "true")));

        var served = JsonNode.Parse(await (await app.Client.GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync())!;

        Assert.False(served["paths"]!.AsObject().ContainsKey("/analytics/summary"));
        Assert.True(served["paths"]!.AsObject().ContainsKey("/analytics/systems"));
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.SendAsync(app.Get("/analytics/summary"))).StatusCode);
    }

    [Theory]
    [InlineData(null, "text/plain")]
    [InlineData("application/openmetrics-text; version=1.0.0", "application/openmetrics-text")]
    public async Task Both_metrics_formats_are_described(string? accept, string mediaType)
    {
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port));
        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);

        var response = await app.Client.SendAsync(request);

        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        await OpenApiConformance.AssertDescribedAsync(response);
    }
}
