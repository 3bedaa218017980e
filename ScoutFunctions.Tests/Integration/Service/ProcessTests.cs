using System.Net;
using System.Text.Json;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Service;

/// <summary>
/// The built service as a real process: configuration errors stop it with one line, a valid configuration
/// serves, logs are JSON lines or text with a banner and never show secrets, SIGTERM stops it cleanly.
/// Its own redis-server, protected by a password the service must use.
/// </summary>
[Trait(ScoutProcess.Trait, ScoutProcess.SelfHost)]
public sealed class ProcessTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const string AuthToken = "process-token-5f0c2a9e71";
    private const string RedisPassword = "redis-secret-83b1d4c6";

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        // Existing connections stay authenticated; only the service's new connection needs the password.
        await redis.Database.ExecuteAsync("CONFIG", "SET", "requirepass", RedisPassword);
    }

    public async Task DisposeAsync() => await redis.Database.ExecuteAsync("CONFIG", "SET", "requirepass", "");

    private (string, string)[] ValidEnvironment(int port, string logFormat) =>
    [
        ("PORT", port.ToString()),
        ("REDIS_ADDR", "127.0.0.1"),
        ("REDIS_PORT", redis.Port.ToString()),
        ("REDIS_PASSWORD", RedisPassword),
        ("AUTH_TOKEN", AuthToken),
        ("LOG_FORMAT", logFormat),
        ("LOG_LEVEL", "debug"),
        ("SCOUT_INTERVAL", "1h"),
    ];

    /// <summary>Polls GET path on the process until it answers with the status, within the bound.</summary>
    private static async Task WaitForStatusAsync(ScoutProcess process, int port, string path, HttpStatusCode status)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Messages.EventuallyAsync(async () =>
        {
            Assert.False(process.HasExited, "the service exited: " + string.Join("\n", process.Error));
            try
            {
                return (await client.GetAsync($"http://127.0.0.1:{port}{path}")).StatusCode == status;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, $"GET {path} answers {(int)status}", seconds: 15);
    }

    private static async Task StopWithSigtermAsync(ScoutProcess process)
    {
        await process.TerminateAsync();
        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(10)), "still running 10 s after SIGTERM");
        Assert.Equal(0, process.ExitCode);
    }

    [Theory]
    [InlineData("SCOUT_INTERVAL", "abc")]
    [InlineData("PORT", "0")]
    [InlineData("REDIS_PORT", "x")]
    [InlineData("ALERT_PITCHER_URL", "ftp://x")]
    [InlineData("LOG_FORMAT", "yaml")]
    [InlineData("REDIS_TLS", "yes")]
    [InlineData("REDIS_TLS_CA_FILE", "/etc/ssl/certs/ca-certificates.crt")]
    public async Task An_invalid_setting_stops_start_up_with_one_line_naming_it(string variable, string value)
    {
        await using var process = ScoutProcess.Start([.. ValidEnvironment(FreePort.Next(), "json").Where(e => e.Item1 != variable), (variable, value)]);

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(10)), "still running 10 s after an invalid setting");
        Assert.NotEqual(0, process.ExitCode);
        var line = Assert.Single(process.Error, l => l.Trim().Length > 0);
        Assert.Contains($"{variable}=\"{value}\"", line);
        Assert.DoesNotContain(process.Output, l => l.Contains(RedisPassword) || l.Contains(AuthToken));
    }

    [Fact]
    public async Task A_valid_configuration_serves_health_and_readiness_through_the_redis_password()
    {
        var port = FreePort.Next();
        await using var process = ScoutProcess.Start(ValidEnvironment(port, "json"));

        await WaitForStatusAsync(process, port, "/health", HttpStatusCode.OK);
        // Ready only if the service authenticated with REDIS_PASSWORD.
        await WaitForStatusAsync(process, port, "/health/ready", HttpStatusCode.OK);
        await StopWithSigtermAsync(process);
    }

    [Fact]
    public async Task Json_logs_are_one_object_per_line_without_a_banner_or_secrets()
    {
        var port = FreePort.Next();
        await using var process = ScoutProcess.Start(ValidEnvironment(port, "json"));
        await WaitForStatusAsync(process, port, "/health/ready", HttpStatusCode.OK);
        using (var client = new HttpClient())
        {
            // A rejected and an accepted request, so request handling gets logged too.
            await client.GetAsync($"http://127.0.0.1:{port}/analytics/summary");
            var authorised = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/analytics/summary");
            authorised.Headers.Authorization = new("Bearer", AuthToken);
            await client.SendAsync(authorised);
        }
        await StopWithSigtermAsync(process);

        var lines = process.Output.ToList();
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var entry = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, entry.RootElement.ValueKind);
        }
        Assert.Contains(lines, l => l.Contains("AggregateAnalytics"));
        Assert.DoesNotContain(lines, l => l.Contains(AuthToken) || l.Contains(RedisPassword));
        Assert.DoesNotContain(process.Error, l => l.Contains(AuthToken) || l.Contains(RedisPassword));
        // A scope prints as words, not as its type's name.
        Assert.DoesNotContain(lines, l => l.Contains("System.Collections.Generic"));
        Assert.Contains(lines, l => l.Contains("\"Scopes\":[{\"Message\":\"AggregateAnalytics ", StringComparison.Ordinal));
        // One start-up line says what this Scout reads and how it reaches Redis.
        var startup = Assert.Single(lines, l => l.Contains("counting index", StringComparison.Ordinal));
        using var started = JsonDocument.Parse(startup);
        var state = started.RootElement.GetProperty("State");
        Assert.Equal("127.0.0.1", state.GetProperty("RedisAddr").GetString());
        Assert.Equal(redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), state.GetProperty("RedisPort").ToString());
        Assert.Equal("off", state.GetProperty("Tls").GetString());
        Assert.Equal("password", state.GetProperty("Login").GetString());
        Assert.Equal("required", state.GetProperty("Auth").GetString());
        Assert.Equal("messages", state.GetProperty("Index").GetString());
    }

    [Fact]
    public async Task Text_logs_start_with_the_banner_and_hide_secrets_too()
    {
        var port = FreePort.Next();
        await using var process = ScoutProcess.Start(ValidEnvironment(port, "text"));
        await WaitForStatusAsync(process, port, "/health", HttpStatusCode.OK);
        await StopWithSigtermAsync(process);

        var lines = process.Output.ToList();
        var banner = lines.FindIndex(l => l.Contains("homerun2-scout"));
        Assert.True(banner is >= 0 and < 3, "no banner at the top of:\n" + string.Join("\n", lines.Take(10)));
        Assert.Contains(lines, l => l.Contains("version "));
        Assert.Contains(lines, l => l.Contains("commit "));
        Assert.DoesNotContain(lines, l => l.Contains(AuthToken) || l.Contains(RedisPassword));
    }
}
