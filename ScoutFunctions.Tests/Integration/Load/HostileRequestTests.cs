using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Scout.Analytics;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Load;

/// <summary>One app for the whole table: the hostile requests must not change its state, and its logs accumulate across cases.</summary>
public sealed class HostileRequestFixture : IAsyncLifetime
{
    public RedisServerFixture Redis { get; } = new();

    public CapturedLogs Logs { get; } = new();

    public ScoutApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Redis.InitializeAsync();
        await Messages.AddAsync(Redis.Database, "error", "api-gateway", DateTimeOffset.UtcNow.AddMinutes(-1));
        // Debug level: a token must not leak even into the most verbose logs.
        App = await ScoutApp.StartAsync(ScoutApp.Settings(Redis.Port, ("LOG_LEVEL", "debug")), new PlainRedisSearchIndex(Redis.Database), services =>
        {
            services.RemoveAll<ILoggerProvider>();
            services.AddSingleton<ILoggerProvider>(Logs);
        });
        var store = App.Services.GetRequiredService<ISnapshotStore>();
        await Messages.EventuallyAsync(async () => await store.GetAsync("all") is not null, "the start-up aggregation stores a snapshot", seconds: 10);
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

/// <summary>
/// Hostile and malformed requests sent byte for byte: each gets a 4xx (or, for valid variants, 200), never a 5xx,
/// and the bearer token never shows up in a response or in any log line.
/// </summary>
public sealed class HostileRequestTests(HostileRequestFixture fixture) : IClassFixture<HostileRequestFixture>
{
    private const string Summary = "/analytics/summary";
    private static readonly string Token = ScoutApp.Token;

    /// <summary>Rejected by Kestrel before any middleware runs, so Scout's JSON error pages never see them: no body.</summary>
    private static readonly int[] KestrelRejections = [400, 414, 431];

    public static TheoryData<string, string, string[], int> Cases()
    {
        var auth = $"Authorization: Bearer {Token}";
        var data = new TheoryData<string, string, string[], int>
        {
            // Authorization variants.
            { "no authorization header", $"GET {Summary} HTTP/1.1", [], 401 },
            { "lower-case scheme (the scheme is case-insensitive)", $"GET {Summary} HTTP/1.1", [$"Authorization: bearer {Token}"], 200 },
            { "upper-case scheme", $"GET {Summary} HTTP/1.1", [$"Authorization: BEARER {Token}"], 200 },
            { "extra spaces around the token", $"GET {Summary} HTTP/1.1", [$"Authorization: Bearer    {Token}   "], 200 },
            { "empty Bearer", $"GET {Summary} HTTP/1.1", ["Authorization: Bearer"], 401 },
            { "Bearer and a space only", $"GET {Summary} HTTP/1.1", ["Authorization: Bearer "], 401 },
            { "token with a suffix", $"GET {Summary} HTTP/1.1", [$"Authorization: Bearer {Token}x"], 401 },
            { "token with a prefix", $"GET {Summary} HTTP/1.1", [$"Authorization: Bearer x{Token}"], 401 },
            { "token truncated", $"GET {Summary} HTTP/1.1", [$"Authorization: Bearer {Token[..^1]}"], 401 },
            { "token without a scheme", $"GET {Summary} HTTP/1.1", [$"Authorization: {Token}"], 401 },
            { "token under another scheme", $"GET {Summary} HTTP/1.1", [$"Authorization: Token {Token}"], 401 },
            { "tab instead of space", $"GET {Summary} HTTP/1.1", [$"Authorization: Bearer\t{Token}"], 401 },
            { "Basic auth with the token as password", $"GET {Summary} HTTP/1.1",
                [$"Authorization: Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes("scout:" + Token))}"], 401 },
            { "two Authorization headers", $"GET {Summary} HTTP/1.1", [auth, "Authorization: Bearer wrong"], 401 },
            // Window values.
            { "unknown window", $"GET {Summary}?window=7d HTTP/1.1", [auth], 400 },
            { "window in the wrong case", $"GET {Summary}?window=1H HTTP/1.1", [auth], 400 },
            { "very long window", $"GET {Summary}?window={new string('9', 4000)}h HTTP/1.1", [auth], 400 },
            { "unicode window", $"GET {Summary}?window=%E2%9C%93%F0%9F%94%A5 HTTP/1.1", [auth], 400 },
            { "window with a NUL byte", $"GET {Summary}?window=1h%00 HTTP/1.1", [auth], 400 },
            { "window with a script tag", $"GET {Summary}?window=%3Cscript%3E HTTP/1.1", [auth], 400 },
            { "negative window", $"GET {Summary}?window=-1h HTTP/1.1", [auth], 400 },
            { "duplicate window parameters", $"GET {Summary}?window=1h&window=24h HTTP/1.1", [auth], 400 },
            { "empty window means all", $"GET {Summary}?window= HTTP/1.1", [auth], 200 },
            // Methods.
            { "POST on an analytics endpoint", $"POST {Summary} HTTP/1.1", [auth, "Content-Length: 0"], 405 },
            { "DELETE on an analytics endpoint", $"DELETE /analytics/systems HTTP/1.1", [auth], 405 },
            { "PUT on health", "PUT /health HTTP/1.1", ["Content-Length: 0"], 405 },
            { "unknown method", $"BREW {Summary} HTTP/1.1", [auth], 405 },
            { "OPTIONS on an analytics endpoint", $"OPTIONS {Summary} HTTP/1.1", [auth], 405 },
            // Paths.
            { "path traversal to a file", "GET /../../etc/passwd HTTP/1.1", [], 404 },
            { "encoded path traversal", "GET /analytics/%2e%2e/%2e%2e/etc/passwd HTTP/1.1", [auth], 404 },
            { "encoded slashes", $"GET /analytics%2fsummary HTTP/1.1", [auth], 404 },
            { "unknown analytics view", "GET /analytics/secrets HTTP/1.1", [auth], 404 },
            // Sizes (Kestrel's limits: 8 KiB request line, 32 KiB of headers).
            { "very long query string", $"GET {Summary}?window=1h&pad={new string('a', 9000)} HTTP/1.1", [auth], 414 },
            { "huge header", $"GET {Summary} HTTP/1.1", [auth, $"X-Pad: {new string('a', 40_000)}"], 431 },
            { "huge Authorization header", $"GET {Summary} HTTP/1.1", [$"Authorization: Bearer {new string('a', 40_000)}"], 431 },
            { "malformed request line", "GET  HTTP/1.1", [], 400 },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_hostile_request_gets_a_client_error_never_a_server_error_nor_the_token(string name, string requestLine, string[] headers, int expected)
    {
        var response = await RawHttp.SendAsync(fixture.App.Address, requestLine, headers);

        Assert.True(response.Status < 500, $"{name}: {response.Status} {response.Body}");
        Assert.Equal(expected, response.Status);
        if (KestrelRejections.Contains(response.Status) && response.Body.Length == 0)
        {
            // Kestrel's own rejection: no body, and nothing of the request echoed.
        }
        else
        {
            Assert.StartsWith("application/json", response.ContentType);
            var target = requestLine.Split(' ')[1];
            OpenApiConformance.For(fixture.App.Address).AssertDescribed(requestLine.Split(' ')[0], target.Split('?')[0], response.Status, response.Headers, response.Body);
            var json = JsonDocument.Parse(response.Body).RootElement;
            if (response.Status >= 400) Assert.False(string.IsNullOrEmpty(json.GetProperty("error").GetString()), name);
        }
        Assert.DoesNotContain(Token, response.Body);
        Assert.DoesNotContain(Token, string.Join("\n", response.Headers.Values));
        Assert.DoesNotContain(fixture.Logs.Entries, e => e.Message.Contains(Token) || e.Details.Contains(Token));
    }

    [Fact]
    public async Task After_all_hostile_requests_the_app_still_serves_and_logged_no_error()
    {
        foreach (var (_, line, headers, _) in Cases().Select(c => ((string)c[0], (string)c[1], (string[])c[2], (int)c[3])))
            await RawHttp.SendAsync(fixture.App.Address, line, headers);

        var response = await fixture.App.Client.SendAsync(fixture.App.Get(Summary));
        Assert.Equal(200, (int)response.StatusCode);
        Assert.DoesNotContain(fixture.Logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.DoesNotContain(fixture.Logs.Entries, e => e.Message.Contains(Token) || e.Details.Contains(Token));
    }
}
