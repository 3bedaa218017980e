using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scout.OpenApi;
using Scout.Search;
using Scout.Tests.Integration.Service;
using Xunit.Abstractions;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// The real Scout app (Program.Build: every service, timer and route) on a real Kestrel listener on a free
/// loopback port, with settings given in code and RediSearch replaced by <see cref="PlainRedisSearchIndex"/>.
/// With <see cref="ScoutProcess.NativeVariable"/> set (the native pass of scripts/test.sh), the native AOT self-host
/// runs instead, as a process with the settings as its environment; a test class that replaces the app's services or
/// reads them cannot run so, and does not carry the <see cref="ScoutProcess.Trait"/> trait that selects that pass.
/// </summary>
public sealed class ScoutApp : IAsyncDisposable
{
    public const string Token = "test-token-0123456789";

    private readonly WebApplication? _app;
    private readonly ScoutProcess? _process;
    private readonly ITestOutputHelper? _output;
    private readonly CapturedLogs? _logs;
    private bool _stopped;
    private bool _disposed;

    private ScoutApp(WebApplication? app, ScoutProcess? process, Uri address, CapturedLogs? logs, ITestOutputHelper? output = null)
    {
        _app = app;
        _process = process;
        _output = output;
        _logs = logs;
        Address = address;
        // Every answer the tests get through this client must be one the OpenAPI document describes.
        Client = new HttpClient(new OpenApiConformanceHandler()) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    /// <summary>What the app logged (kept off the test console, see <see cref="TestLogging"/>); of the native process, its JSON console lines.</summary>
    public CapturedLogs Logs => _logs ?? NativeLogs.Parse(_process!.Output);

    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException(
        "the native self-host runs as a process: a test that reads the app's services runs in process only (leave out the Process=self-host trait)");

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
        if (ScoutProcess.NativeBinary is not null)
            return index is null && services is null ? await StartNativeAsync(settings, output) : throw new InvalidOperationException(
                "this test replaces services of the app, which the native self-host process cannot: leave out the Process=self-host trait");
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
        return new ScoutApp(app, null, address, logs);
    }

    /// <summary>The native self-host with the settings as its environment (`:` as `__`), on a free loopback port.</summary>
    private static async Task<ScoutApp> StartNativeAsync(IDictionary<string, string?> settings, ITestOutputHelper? output)
    {
        var port = FreePort.Next();
        var environment = settings.Where(s => s.Key != "urls").Select(s => (s.Key.Replace(":", "__", StringComparison.Ordinal), s.Value ?? ""))
            .Append(("PORT", port.ToString())).ToArray();
        var process = ScoutProcess.Start(environment);
        var address = new Uri($"http://127.0.0.1:{port}");
        var prefix = settings.TryGetValue("extensions:http:routePrefix", out var p) && !string.IsNullOrEmpty(p?.Trim('/')) ? "/" + p.Trim('/') : "";
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        byte[]? document = null;
        try
        {
            await Messages.EventuallyAsync(async () =>
            {
                if (process.HasExited) throw new InvalidOperationException($"the native self-host exited with {process.ExitCode}:\n" +
                    string.Join("\n", process.Output.Concat(process.Error)));
                try
                {
                    var answer = await http.GetAsync(prefix + "/openapi/v1.json");
                    if (answer.IsSuccessStatusCode) document = await answer.Content.ReadAsByteArrayAsync();
                    return document is not null;
                }
                catch (HttpRequestException)
                {
                    return false; // not listening yet
                }
            }, "the native self-host serves its OpenAPI document", seconds: 30);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
        OpenApiConformance.Register(address, document!);
        return new ScoutApp(null, process, address, null, output);
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
        if (_process is not null)
        {
            // A process that exited on its own (or just now, before the signal) needs no stop; one that outlives the
            // grace is killed on disposal.
            if (!_process.HasExited)
            {
                using var signal = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
                await signal.WaitForExitAsync();
            }
            await _process.WaitForExitAsync(grace);
            return;
        }
        using var stop = new CancellationTokenSource(grace);
        await _app!.StopAsync(stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        OpenApiConformance.Unregister(Address);
        Client.Dispose();
        try
        {
            await StopAsync(TimeSpan.FromSeconds(30));
            if (_app is not null) await _app.DisposeAsync();
        }
        finally
        {
            // Tests dispose an app early to read what it left behind; `await using` disposes it again.
            if (_process is not null && !_disposed)
            {
                _disposed = true;
                await _process.DisposeAsync(); // kills it if it is still running
                if (_output is not null)
                    foreach (var line in _process.Output.Concat(_process.Error)) _output.WriteLine(line);
            }
        }
    }
}
