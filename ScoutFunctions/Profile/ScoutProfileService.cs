using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Scout.Configuration;

namespace Scout.Profile;

/// <summary>Which profile is in force, for /health.</summary>
public sealed record ActiveProfile(string Name, string? ResourceVersion, DateTimeOffset AppliedAt);

/// <summary>
/// Loads the ScoutProfile named by SCOUT_PROFILE_NAME before the timers start (bounded, never fatal),
/// then watches it and applies every change live; deleting it returns to the environment's values.
/// </summary>
public sealed class ScoutProfileService(
    ProfileConfigurationProvider profileValues,
    IConfiguration configuration,
    IOptionsMonitor<ScoutOptions> options,
    TimeProvider time,
    ILogger<ScoutProfileService> logger) : BackgroundService
{
    public const string Group = "homerun2.stuttgart-things.com";
    public const string Version = "v1alpha1";
    public const string Plural = "scoutprofiles";
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    /// <summary>Shorter than <see cref="StartupTimeout"/>: a slow Secret must not hold back the rest of the profile.</summary>
    private static readonly TimeSpan SecretTimeout = TimeSpan.FromSeconds(2);

    private KubernetesApi? _client;

    public ActiveProfile? Active { get; private set; }

    public string? Name => options.CurrentValue.ProfileName is { Length: > 0 } name ? name : null;

    private string Namespace => configuration["POD_NAMESPACE"] is { Length: > 0 } ns ? ns.Trim() : "homerun2";

    private bool Watch => options.CurrentValue.ProfileWatch;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Name is null) return;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(StartupTimeout);
        try
        {
            _client = CreateClient();
            var profile = await GetAsync(_client, bounded.Token);
            if (profile is null)
                logger.LogWarning("ScoutProfile {Namespace}/{Name} not found; using environment values", Namespace, Name);
            else
                await ApplyAsync(_client, profile.Value, bounded.Token);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("ScoutProfile {Namespace}/{Name} could not be read ({Reason}); using environment values", Namespace, Name, Reason(error));
        }
        if (Watch && _client is not null) await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        var reconnecting = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A new watch replays only objects that exist, so a deletion missed while disconnected must be read.
                if (reconnecting && Active is not null && await GetAsync(_client!, stoppingToken) is null)
                    Clear("not found after the watch reconnected");
                reconnecting = true;
                await foreach (var (type, resource) in _client!.WatchCustomObjectAsync(Group, Version, Namespace, Plural, Name!, stoppingToken))
                {
                    backoff = TimeSpan.FromSeconds(1);
                    if (type is "ADDED" or "MODIFIED") await ApplyAsync(_client, resource, stoppingToken);
                    else if (type == "DELETED") Clear("deleted");
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                logger.LogWarning("ScoutProfile watch dropped ({Reason}); reconnecting in {Backoff}s", Reason(error), backoff.TotalSeconds);
            }
            try
            {
                await Task.Delay(backoff, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
        }
    }

    private KubernetesApi CreateClient()
    {
        var kubeconfig = configuration["KUBECONFIG"];
        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        // Never a default address: localhost:8080 may be Scout itself.
        var connection = !string.IsNullOrEmpty(kubeconfig) ? KubernetesConnection.FromKubeconfig(kubeconfig)
            : KubernetesConnection.IsInCluster() ? KubernetesConnection.InCluster()
            : File.Exists(home) ? KubernetesConnection.FromKubeconfig(home)
            : throw new InvalidOperationException("not running in a pod and no KUBECONFIG or ~/.kube/config");
        return new KubernetesApi(connection);
    }

    private Task<JsonElement?> GetAsync(KubernetesApi client, CancellationToken cancellationToken) =>
        client.GetCustomObjectAsync(Group, Version, Namespace, Plural, Name!, cancellationToken);

    private async Task ApplyAsync(KubernetesApi client, JsonElement resource, CancellationToken cancellationToken)
    {
        var metadata = resource.TryGetProperty("metadata", out var m) ? m : default;
        var resourceVersion = metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() : null;
        // A new watch starts by replaying the current object as ADDED: that version is already in force.
        if (resourceVersion is not null && Active?.ResourceVersion == resourceVersion) return;
        var spec = resource.TryGetProperty("spec", out var s) ? s : default;
        var overrides = spec.ValueKind == JsonValueKind.Object
            ? ProfileOverrides.FromSpec(spec)
            : new ProfileOverrides.Result([], ["spec: missing or not an object; ignored"], null);
        foreach (var warning in overrides.Warnings) logger.LogWarning("ScoutProfile {Name}: {Warning}", Name, warning);
        if (overrides.PitcherTokenSecret is { } reference)
        {
            // An unreadable Secret keeps the token read from it before, as the warning says.
            var token = await ReadSecretAsync(client, reference, cancellationToken)
                ?? (profileValues.TryGet("ALERT_PITCHER_TOKEN", out var current) ? current : null);
            if (token is not null) overrides.Values["ALERT_PITCHER_TOKEN"] = token;
        }

        var before = ProfileOverrides.Effective(configuration);
        profileValues.Replace(overrides.Values);
        Active = new ActiveProfile(Name!, resourceVersion, time.GetUtcNow());
        LogChanges(before, $"applied resourceVersion {resourceVersion}");
    }

    private async Task<string?> ReadSecretAsync(KubernetesApi client, ProfileOverrides.SecretReference reference, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(SecretTimeout);
        try
        {
            var data = await client.GetSecretDataAsync(Namespace, reference.Name, bounded.Token);
            if (data.TryGetValue(reference.Key, out var bytes)) return Encoding.UTF8.GetString(bytes).Trim();
            logger.LogWarning("ScoutProfile {Name}: secret {Secret} has no key {Key}; pitcher token unchanged", Name, reference.Name, reference.Key);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = error is OperationCanceledException ? $"no answer within {SecretTimeout.TotalSeconds:0}s" : Reason(error);
            logger.LogWarning("ScoutProfile {Name}: secret {Secret} could not be read ({Reason}); pitcher token unchanged", Name, reference.Name, reason);
        }
        return null;
    }

    private void Clear(string why)
    {
        var before = ProfileOverrides.Effective(configuration);
        profileValues.Replace(new Dictionary<string, string>());
        Active = null;
        LogChanges(before, why + ", back to environment values");
    }

    private void LogChanges(Dictionary<string, string?> before, string what)
    {
        var changes = ProfileOverrides.Describe(before, ProfileOverrides.Effective(configuration)).ToList();
        logger.LogInformation("ScoutProfile {Name} {What}: {Changes}", Name, what, changes.Count == 0 ? "no change" : string.Join("; ", changes));
    }

    private static string Reason(Exception error) => error switch
    {
        KubernetesApiException http => $"HTTP {(int)http.Status}",
        OperationCanceledException => $"no answer within {StartupTimeout.TotalSeconds:0}s",
        _ => error.GetType().Name + ": " + error.Message,
    };
}
