using System.Text.Json.Nodes;
using Scout.Tests.Deployment;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.OpenApi;

/// <summary>
/// The conformance check the integration tests run on every real answer (HttpJson, the hostile request table):
/// it passes what the document describes and fails each way of departing from it.
/// </summary>
public sealed class OpenApiConformanceTests
{
    private const string Summary = """{"totalMessages":3,"severityCounts":{"error":2,"info":1},"timeWindow":"1h","lastUpdated":"2026-03-11T12:00:00Z"}""";
    private const string Json = "application/json; charset=utf-8";

    private static Dictionary<string, string> Headers(params (string Name, string Value)[] headers) =>
        headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase);

    public static TheoryData<string, string, string, int, Dictionary<string, string>, string> Answers() => new()
    {
        // Each departure is paired with the described answer it departs from (the first of each pair passes).
        { "a summary", "GET", "/analytics/summary", 200, Headers(("Content-Type", Json)), Summary },
        { "a summary without totalMessages", "GET", "/analytics/summary", 200, Headers(("Content-Type", Json)), Summary.Replace("\"totalMessages\":3,", "") },
        { "a summary with a member the document does not name", "GET", "/analytics/summary", 200, Headers(("Content-Type", Json)), Summary.Replace("{\"total", "{\"extra\":1,\"total") },
        { "a count written as a string", "GET", "/analytics/summary", 200, Headers(("Content-Type", Json)), Summary.Replace("\"totalMessages\":3", "\"totalMessages\":\"3\"") },
        { "a summary updated 'yesterday'", "GET", "/analytics/summary", 200, Headers(("Content-Type", Json)), Summary.Replace("2026-03-11T12:00:00Z", "yesterday") },
        { "a summary as text/html", "GET", "/analytics/summary", 200, Headers(("Content-Type", "text/html")), Summary },
        { "a 401 with its challenge", "GET", "/analytics/summary", 401, Headers(("Content-Type", Json), ("WWW-Authenticate", "Bearer")), """{"error":"invalid token"}""" },
        { "a 401 without WWW-Authenticate", "GET", "/analytics/summary", 401, Headers(("Content-Type", Json)), """{"error":"invalid token"}""" },
        { "a 401 challenging another scheme", "GET", "/analytics/summary", 401, Headers(("Content-Type", Json), ("WWW-Authenticate", "Basic")), """{"error":"invalid token"}""" },
        { "a 503 with Retry-After", "GET", "/analytics/alerts", 503, Headers(("Content-Type", Json), ("Retry-After", "60")), """{"error":"no snapshot"}""" },
        { "a 503 with Retry-After 0", "GET", "/analytics/alerts", 503, Headers(("Content-Type", Json), ("Retry-After", "0")), """{"error":"no snapshot"}""" },
        { "a 503 with Retry-After as a date", "GET", "/analytics/alerts", 503, Headers(("Content-Type", Json), ("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT")), """{"error":"no snapshot"}""" },
        { "a 503 without Retry-After", "GET", "/analytics/alerts", 503, Headers(("Content-Type", Json)), """{"error":"no snapshot"}""" },
        { "a 400 naming the windows", "GET", "/analytics/systems", 400, Headers(("Content-Type", Json)), """{"error":"unknown window","availableWindows":["all","1h"]}""" },
        { "a 400 without its error", "GET", "/analytics/systems", 400, Headers(("Content-Type", Json)), """{"message":"unknown window"}""" },
        { "a 400 from an operation that has none", "GET", "/health", 400, Headers(("Content-Type", Json)), """{"error":"bad"}""" },
        { "a 500", "GET", "/health", 500, Headers(("Content-Type", Json)), """{"error":"boom"}""" },
        { "a 405 for a method the path does not declare", "POST", "/health", 405, Headers(("Content-Type", Json), ("Allow", "GET")), """{"error":"method not allowed"}""" },
        { "a 405 to HEAD, bodiless", "HEAD", "/health", 405, Headers(("Content-Type", "application/json"), ("Allow", "GET")), "" },
        { "a 405 to HEAD without Allow", "HEAD", "/health", 405, Headers(("Content-Type", "application/json")), "" },
        { "a 404 for a method the path does not declare", "POST", "/health", 404, Headers(("Content-Type", Json)), """{"error":"not found"}""" },
        { "a 404 for a path no function has", "GET", "/no/such/path", 404, Headers(("Content-Type", Json)), """{"error":"not found"}""" },
        { "a 200 for a path no function has", "GET", "/no/such/path", 200, Headers(("Content-Type", Json)), """{"error":"not found"}""" },
        { "metrics as text", "GET", "/metrics", 200, Headers(("Content-Type", "text/plain; version=0.0.4; charset=utf-8")), "# EOF\n" },
        { "metrics as JSON", "GET", "/metrics", 200, Headers(("Content-Type", Json)), "{}" },
    };

    /// <summary>The described answers of the table above; every other one departs from the document.</summary>
    private static readonly HashSet<string> Described =
    [
        "a summary", "a 401 with its challenge", "a 503 with Retry-After", "a 400 naming the windows",
        "a 405 for a method the path does not declare", "a 405 to HEAD, bodiless", "a 404 for a path no function has", "metrics as text",
    ];

    [Theory]
    [MemberData(nameof(Answers))]
    public void The_check_passes_what_the_document_describes_and_fails_anything_else(
        string name, string method, string path, int status, Dictionary<string, string> headers, string body)
    {
        var problems = OpenApiConformance.Committed.Check(method, path, status, headers, body);

        if (Described.Contains(name)) Assert.True(problems.Count == 0, $"{name}: {string.Join("; ", problems)}");
        else Assert.True(problems.Count > 0, $"{name} passed, but the document does not describe it");
    }

    [Fact]
    public void Under_a_route_prefix_the_paths_are_relative_to_the_server_url()
    {
        var committed = JsonNode.Parse(File.ReadAllText(RepositoryFiles.PathOf(OpenApiConformance.CommittedPath)))!;
        committed["servers"]![0]!["url"] = "/scout";
        var prefixed = new OpenApiConformance(committed.ToJsonString());

        Assert.Empty(prefixed.Check("GET", "/scout/analytics/summary", 200, Headers(("Content-Type", Json)), Summary));
        Assert.NotEmpty(prefixed.Check("GET", "/analytics/summary", 200, Headers(("Content-Type", Json)), Summary));
        Assert.Empty(prefixed.Check("GET", "/analytics/summary", 404, Headers(("Content-Type", Json)), """{"error":"not found"}"""));
    }
}
