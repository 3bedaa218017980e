using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Search;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Profile;

/// <summary>The real Scout app configured to load a ScoutProfile through a kubeconfig, with its logs captured.</summary>
public sealed class ProfiledScout : IAsyncDisposable
{
    public const string Namespace = "scout-test";
    public const string Name = "scout-profile";

    private ProfiledScout(ScoutApp app, CapturedLogs logs, PlainRedisSearchIndex index, TimeSpan startUp)
    {
        App = app;
        Logs = logs;
        Index = index;
        StartUp = startUp;
    }

    public ScoutApp App { get; }

    public CapturedLogs Logs { get; }

    public PlainRedisSearchIndex Index { get; }

    /// <summary>How long app start-up (every hosted service's StartAsync, the profile load included) took.</summary>
    public TimeSpan StartUp { get; }

    public ScoutOptions Options => App.Services.GetRequiredService<IOptionsMonitor<ScoutOptions>>().CurrentValue;

    /// <summary>Starts Scout with SCOUT_PROFILE_NAME, POD_NAMESPACE and KUBECONFIG set (a null value leaves the setting out).</summary>
    public static Task<ProfiledScout> StartAsync(RedisServerFixture redis, string kubeconfig, params (string Key, string? Value)[] settings) =>
        StartAsync(redis, kubeconfig, index => index, settings);

    /// <summary>As above, with the search index wrapped, e.g. to hold a timer run at a known point.</summary>
    public static async Task<ProfiledScout> StartAsync(RedisServerFixture redis, string kubeconfig,
        Func<PlainRedisSearchIndex, ISearchIndex> wrapIndex, params (string Key, string? Value)[] settings)
    {
        var all = ScoutApp.Settings(redis.Port,
            [("SCOUT_PROFILE_NAME", Name), ("POD_NAMESPACE", Namespace), ("KUBECONFIG", kubeconfig), ("LOG_LEVEL", "info"), .. settings]);
        foreach (var key in all.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList()) all.Remove(key);
        var logs = new CapturedLogs();
        var index = new PlainRedisSearchIndex(redis.Database);
        var clock = Stopwatch.StartNew();
        var app = await ScoutApp.StartAsync(all, wrapIndex(index), services =>
        {
            // Only the capture: the console output of every test would bury the test results.
            services.RemoveAll<ILoggerProvider>();
            services.AddSingleton<ILoggerProvider>(logs);
        });
        return new ProfiledScout(app, logs, index, clock.Elapsed);
    }

    public static JsonObject Spec(string json) => JsonNode.Parse(json)!.AsObject();

    public async Task<JsonElement> HealthAsync()
    {
        var response = await App.Client.GetAsync("/health");
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    /// <summary>The windows the API serves, from the list a 400 for an unknown window gives.</summary>
    public async Task<List<string?>> ServedWindowsAsync()
    {
        var response = await App.Client.SendAsync(App.Get("/analytics/summary?window=no-such-window"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return body.GetProperty("availableWindows").EnumerateArray().Select(e => e.GetString()).ToList();
    }

    public IEnumerable<LogEntry> ProfileWarnings =>
        Logs.From<Scout.Profile.ScoutProfileService>().Where(e => e.Level == LogLevel.Warning);

    public ValueTask DisposeAsync() => App.DisposeAsync();
}
