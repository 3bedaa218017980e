using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scout.OpenApi;
using Scout.Search;
using Xunit.Abstractions;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// The real Scout app (Program.Build: every service, timer and route) on a real Kestrel listener on a free
/// loopback port, with settings given in code and RediSearch replaced by <see cref="PlainRedisSearchIndex"/>.
/// </summary>
public sealed class ScoutApp : IAsyncDisposable
{
    public const string Token = "test-token-0123456789";

    private readonly WebApplication _app;
    private bool _stopped;

    private ScoutApp(WebApplication app, Uri address, CapturedLogs logs)
    {
        _app = app;
        Logs = logs;
        Address = address;
        // Every answer the tests get through this client must be one the OpenAPI document describes.
        Client = new HttpClient(new OpenApiConformanceHandler()) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    /// <summary>What the app logged (kept off the test console, see <see cref="TestLogging"/>).</summary>
    public CapturedLogs Logs { get; }

    public IServiceProvider Services => _app.Services;

    public static Dictionary<string, string?> Settings(int redisPort, params (string Key, string? Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["REDIS_ADDR"] = "127.0.0.1",
            ["REDIS_PORT"] = redisPort.ToString(),
            ["AUTH_TOKEN"] = Token,
            ["LOG_FORMAT"] = "json",
            ["LOG_LEVEL"] = "warn",
            ["SCOUT_INTERVAL"] = "1h",
            // Program.Build layers these over the environment: blank out what a developer's shell could
            // set, so a test never writes to a real storage account, pages a real pitcher or reads a cluster.
            ["AzureWebJobsStorage"] = "",
            ["ALERT_PITCHER_URL"] = "",
            ["ALERT_PITCHER_TOKEN"] = "",
            ["SCOUT_PROFILE_NAME"] = "",
            ["KUBECONFIG"] = "",
            ["REDIS_PASSWORD"] = "",
            ["REDIS_USERNAME"] = "",
            ["REDIS_TLS"] = "",
            ["REDIS_TLS_CA_FILE"] = "",
            ["REDIS_TLS_CERT_FILE"] = "",
            ["REDIS_TLS_KEY_FILE"] = "",
            ["REDIS_TLS_SERVER_NAME"] = "",
            ["SCOUT_WINDOWS"] = "1h,24h",
            ["REDISEARCH_INDEX"] = "messages",
        };
        foreach (var (key, value) in overrides) settings[key] = value;
        return settings;
    }

    public static async Task<ScoutApp> StartAsync(IDictionary<string, string?> settings, ISearchIndex? index = null,
        Action<IServiceCollection>? services = null, ITestOutputHelper? output = null)
    {
        var logs = new CapturedLogs();
        var app = Program.Build([], settings, s =>
        {
            TestLogging.RouteAwayFromConsole(s, logs, output);
            if (index is not null)
            {
                s.RemoveAll<ISearchIndex>();
                s.AddSingleton(index);
            }
            services?.Invoke(s);
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        // Its answers are checked against the document it serves (its route prefix, its enabled functions).
        OpenApiConformance.Register(address, app.Services.GetRequiredService<OpenApiDocument>().Bytes);
        return new ScoutApp(app, address, logs);
    }

    public HttpRequestMessage Get(string path, string? token = Token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) request.Headers.Authorization = new("Bearer", token);
        return request;
    }

    /// <summary>Stops the app as a SIGTERM would, with the given shutdown grace.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_stopped) return;
        _stopped = true;
        using var stop = new CancellationTokenSource(grace);
        await _app.StopAsync(stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        OpenApiConformance.Unregister(Address);
        Client.Dispose();
        await StopAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
    }
}
