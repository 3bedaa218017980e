using System.Net;
using System.Text;
using System.Text.Json;
using k8s.Exceptions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Scout.Configuration;

namespace Scout.Profile;

/// <summary>Which profile is in force, for /health.</summary>
public sealed record ActiveProfile(string Name, string? ResourceVersion, DateTimeOffset AppliedAt);

/// <summary>
/// Loads the ScoutProfile named by SCOUT_PROFILE_NAME before the timers start (bounded, never fatal), then follows it
/// as client-go's informers do: list, then watch from the list's resourceVersion with bookmarks; a watch the server
/// ends, or a connection dropped after events, resumes from the last version seen; 410 Gone lists again; errors back
/// off exponentially with jitter (Polly). Every change is applied once; deleting the profile returns to the
/// environment's values. The Kubernetes client is created only when a profile is named.
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

    private ProfileApi? _api;

    /// <summary>Where the watch resumes; null: list first.</summary>
    private string? _resourceVersion;

    public ActiveProfile? Active { get; private set; }

    /// <summary>Why the named profile is not in force (unreadable, not found), for /health; null when it is, or none is named.</summary>
    public string? Problem { get; private set; }

    public string? Name => options.CurrentValue.ProfileName is { Length: > 0 } name ? name : null;

    private string Namespace => configuration["POD_NAMESPACE"] is { Length: > 0 } ns ? ns.Trim() : "homerun2";

    private ProfileRef Profile => new(Namespace, Name!);

    private bool Watch => options.CurrentValue.ProfileWatch;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Name is null) return;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(StartupTimeout);
        try
        {
            _api = new ProfileApi(KubernetesConfig.Load(configuration["KUBECONFIG"], configuration["SCOUT_KUBE_CONTEXT"]));
            var profile = await _api.GetAsync(Profile, bounded.Token);
            if (profile is null)
                Warn("not found", $"ScoutProfile {Namespace}/{Name} not found; using environment values");
            else
                await ApplyAsync(profile.Value, bounded.Token);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = Reason(error);
            Warn(reason, $"ScoutProfile {Namespace}/{Name} could not be read ({reason}); using environment values");
        }
        if (Watch && _api is not null) await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = new ResiliencePipelineBuilder { TimeProvider = time }.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromSeconds(1),
            MaxDelay = MaxBackoff,
            MaxRetryAttempts = int.MaxValue,
            OnRetry = args =>
            {
                logger.LogWarning("ScoutProfile watch dropped ({Reason}); retrying in {Backoff}s",
                    Reason(args.Outcome.Exception!), Math.Round(args.RetryDelay.TotalSeconds, 1));
                return default;
            },
        }).Build();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await retry.ExecuteAsync(FollowAsync, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Lists when there is no version to resume from, then watches until the server ends the stream. Returns to be
    /// called again at once (the watch ended, dropped after events, or 410 Gone); throws to back off.
    /// </summary>
    private async ValueTask FollowAsync(CancellationToken cancellationToken)
    {
        if (_resourceVersion is null) _resourceVersion = await ListAsync(cancellationToken);
        var received = false;
        try
        {
            await foreach (var change in _api!.WatchAsync(Profile, _resourceVersion, cancellationToken))
            {
                received = true;
                if (change.Type is "ADDED" or "MODIFIED") await ApplyAsync(change.Object, cancellationToken);
                else if (change.Type == "DELETED") Clear("deleted");
                if (change.ResourceVersion is { Length: > 0 } version) _resourceVersion = version;
            }
        }
        catch (KubernetesApiException gone) when (gone.Status == HttpStatusCode.Gone)
        {
            logger.LogInformation("ScoutProfile watch: resourceVersion {Version} is gone (410); listing again", _resourceVersion);
            _resourceVersion = null;
        }
        catch (Exception error) when (received && error is not OperationCanceledException)
        {
            logger.LogWarning("ScoutProfile watch dropped ({Reason}); resuming from resourceVersion {Version}", Reason(error), _resourceVersion);
        }
    }

    /// <summary>The profile as the list has it (applied, or cleared when it is gone), and the version to watch from.</summary>
    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var (item, version) = await _api!.ListAsync(Profile, cancellationToken);
        if (item is { } found) await ApplyAsync(found, cancellationToken);
        else if (Active is not null) Clear("not found when listed again");
        return version;
    }

    private async Task ApplyAsync(JsonElement resource, CancellationToken cancellationToken)
    {
        var resourceVersion = ProfileApi.ResourceVersionOf(resource);
        // A list repeats the version already in force: every change is applied once.
        if (resourceVersion is not null && Active?.ResourceVersion == resourceVersion) return;
        var spec = resource.TryGetProperty("spec", out var s) ? s : default;
        var overrides = spec.ValueKind == JsonValueKind.Object
            ? ProfileOverrides.FromSpec(spec)
            : new ProfileOverrides.Result([], ["spec: missing or not an object; ignored"], null);
        foreach (var warning in overrides.Warnings) logger.LogWarning("ScoutProfile {Name}: {Warning}", Name, warning);
        if (overrides.PitcherTokenSecret is { } reference)
        {
            // An unreadable Secret keeps the token read from it before, as the warning says.
            var token = await ReadSecretAsync(reference, cancellationToken)
                ?? (profileValues.TryGet("ALERT_PITCHER_TOKEN", out var current) ? current : null);
            if (token is not null) overrides.Values["ALERT_PITCHER_TOKEN"] = token;
        }

        var before = ProfileOverrides.Effective(configuration);
        profileValues.Replace(overrides.Values);
        Active = new ActiveProfile(Name!, resourceVersion, time.GetUtcNow());
        Problem = null;
        LogChanges(before, $"applied resourceVersion {resourceVersion}");
    }

    private async Task<string?> ReadSecretAsync(ProfileOverrides.SecretReference reference, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(SecretTimeout);
        try
        {
            var data = await _api!.GetSecretDataAsync(Namespace, reference.Name, bounded.Token);
            if (data.TryGetValue(reference.Key, out var bytes)) return Encoding.UTF8.GetString(bytes).Trim();
            logger.LogWarning("ScoutProfile {Name}: secret {Secret} has no key {Key}; pitcher token unchanged", Name, reference.Name, reference.Key);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = error is OperationCanceledException ? $"no answer within {SecretTimeout.TotalSeconds:0}s" : Reason(error, reference.Name);
            logger.LogWarning("ScoutProfile {Name}: secret {Secret} could not be read ({Reason}); pitcher token unchanged", Name, reference.Name, reason);
        }
        return null;
    }

    private void Clear(string why)
    {
        var before = ProfileOverrides.Effective(configuration);
        profileValues.Replace(new Dictionary<string, string>());
        Active = null;
        Problem = why;
        LogChanges(before, why + ", back to environment values");
    }

    private void Warn(string problem, string message)
    {
        Problem = problem;
        logger.LogWarning("{Message}", message);
    }

    private void LogChanges(Dictionary<string, string?> before, string what)
    {
        var changes = ProfileOverrides.Describe(before, ProfileOverrides.Effective(configuration)).ToList();
        logger.LogInformation("ScoutProfile {Name} {What}: {Changes}", Name, what, changes.Count == 0 ? "no change" : string.Join("; ", changes));
    }

    /// <summary>Why a read failed, saying what to fix: the RBAC Scout needs for 401/403, the plugin for an exec failure. Never a credential.</summary>
    private static string Reason(Exception error, string? secret = null) => error switch
    {
        KubernetesApiException { Status: HttpStatusCode.Unauthorized } =>
            "HTTP 401: the API server did not accept Scout's credentials (the kubeconfig's user, or the pod's service account token)",
        KubernetesApiException { Status: HttpStatusCode.Forbidden } http => secret is null
            ? $"HTTP 403: {http.Message}; Scout needs get, list and watch on scoutprofiles.{Group}"
            : $"HTTP 403: {http.Message}; Scout needs get on the secret {secret}",
        KubernetesApiException http => $"HTTP {(int)http.Status}",
        KubeConfigException or KubernetesClientException => "kubeconfig credentials: " + KubernetesConfig.Messages(error),
        InvalidOperationException => error.Message,
        HttpRequestException request => "the API server is unreachable: " + KubernetesConfig.Messages(request),
        OperationCanceledException => $"no answer within {StartupTimeout.TotalSeconds:0}s",
        _ => error.GetType().Name + ": " + error.Message,
    };
}
