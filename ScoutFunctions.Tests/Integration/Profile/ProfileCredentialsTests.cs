using System.Net;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Profile;

/// <summary>
/// The kubeconfigs users get from EKS, GKE and AKS authenticate through an exec credential plugin: a real script prints
/// an ExecCredential whose token the loopback API server requires; when it expires the plugin runs again and the next
/// requests carry the new token. A plugin that is not there, and a token the server refuses, each give one warning
/// saying what to fix, /health says why no profile is in force, and Scout serves on its environment values. A pod's
/// service-account token file is read again after it rotates.
/// </summary>
[Collection(RedisCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProfileCredentialsTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const string Ns = ProfiledScout.Namespace;
    private const string Name = ProfiledScout.Name;

    private readonly string _folder = Directory.CreateTempSubdirectory("scout-exec-").FullName;
    private FakeKubernetesApi _api = null!;

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        _api = await FakeKubernetesApi.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>
    /// A plugin as cloud CLIs are: each run prints a new token (exec-token-1, -2, …) that expires
    /// <paramref name="lifetime"/> later; the runs are counted in a file beside it.
    /// </summary>
    private string Plugin(TimeSpan lifetime)
    {
        var script = Path.Combine(_folder, "get-token.sh");
        File.WriteAllText(script, $$$"""
            #!/bin/sh
            runs=$(cat "{{{_folder}}}/runs" 2>/dev/null || echo 0); runs=$((runs + 1)); echo "$runs" > "{{{_folder}}}/runs"
            expires=$(date -u -d "+{{{(int)lifetime.TotalSeconds}}} seconds" +%Y-%m-%dT%H:%M:%SZ)
            echo "{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"{{{TokenPrefix}}}$runs\",\"expirationTimestamp\":\"$expires\"}}"
            """.Replace("\r", ""));
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    private const string TokenPrefix = "exec-token-";

    private static int TokenNumber(string authorization) => int.Parse(authorization["Bearer ".Length..][TokenPrefix.Length..]);

    private int PluginRuns => File.Exists(Path.Combine(_folder, "runs")) ? int.Parse(File.ReadAllText(Path.Combine(_folder, "runs")).Trim()) : 0;

    private string ExecKubeconfig(string command) => Write($"""
        apiVersion: v1
        kind: Config
        current-context: cloud
        clusters:
        - name: cloud
          cluster: {"{"}server: "{_api.Address.ToString().TrimEnd('/')}"{"}"}
        users:
        - name: cloud-user
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              command: {command}
              interactiveMode: Never
        contexts:
        - name: cloud
          context: {"{"}cluster: cloud, user: cloud-user{"}"}
        """);

    private string Write(string yaml)
    {
        var path = Path.Combine(_folder, "config");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static Task EventuallyAsync(Func<bool> condition, string because, int seconds = 10) =>
        Messages.EventuallyAsync(() => Task.FromResult(condition()), because, seconds);

    [Fact]
    public async Task An_exec_plugins_token_is_used_and_fetched_again_when_it_expires()
    {
        for (var run = 1; run <= 20; run++) _api.AcceptedTokens[TokenPrefix + run] = true;
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"30m"}"""));
        await using var scout = await ProfiledScout.StartAsync(redis, ExecKubeconfig(Plugin(TimeSpan.FromSeconds(3))), ("SCOUT_INTERVAL", "1h"));

        Assert.Equal(TimeSpan.FromMinutes(30), scout.Options.Interval);
        var first = TokenNumber(_api.Requests.First().Authorization);
        await EventuallyAsync(() => _api.OpenWatches == 1, "the watch opens with the plugin's token");
        var runs = PluginRuns;

        // Past the token's expiry, the next request runs the plugin again and carries its new token.
        await Task.Delay(TimeSpan.FromSeconds(4));
        _api.DropWatches();
        await EventuallyAsync(() => _api.WatchRequests >= 2, "the watch resumes");
        Assert.True(TokenNumber(_api.Requests.Last(r => r.Watch).Authorization) > first, "the resumed watch carries a newer token");
        Assert.True(PluginRuns > runs, $"the plugin ran {PluginRuns} times, {runs} before the expiry");
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"20m"}"""));
        await EventuallyAsync(() => scout.Options.Interval == TimeSpan.FromMinutes(20), "the watch with the renewed token delivers changes");
        Assert.DoesNotContain(scout.Logs.Entries, e => (e.Message + e.Details).Contains(TokenPrefix));
    }

    [Fact]
    public async Task A_rotated_service_account_token_file_is_read_again()
    {
        // In a pod, KubernetesClient's InClusterConfig gives the service account's token file as a TokenFileAuth (its
        // fixed path needs a pod): the same provider over a file of the test's, as kubelet rotates the projected token.
        const string before = "file-token-before-2b7c", after = "file-token-after-61fd";
        var tokenFile = Path.Combine(_folder, "token");
        File.WriteAllText(tokenFile, before);
        _api.AcceptedTokens[before] = true;
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"30m"}"""));
        var configuration = new k8s.KubernetesClientConfiguration
        {
            Host = _api.Address.ToString(),
            TokenProvider = new k8s.Authentication.TokenFileAuth(tokenFile),
        };
        using var api = new Scout.Profile.ProfileApi(configuration);
        var profile = new Scout.Profile.ProfileRef(Ns, Name);
        Assert.NotNull(await api.GetAsync(profile, CancellationToken.None));
        Assert.Equal("Bearer " + before, _api.Requests.Last().Authorization);

        File.WriteAllText(tokenFile, after);
        _api.AcceptedTokens[after] = true;
        _api.AcceptedTokens.TryRemove(before, out _);
        // The provider reads the file again once its copy is a minute old.
        await Task.Delay(TimeSpan.FromSeconds(62));
        Assert.NotNull(await api.GetAsync(profile, CancellationToken.None));
        Assert.Equal("Bearer " + after, _api.Requests.Last().Authorization);
        var events = api.WatchAsync(profile, "0", CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("Bearer " + after, _api.Requests.Last().Authorization);
        await events.DisposeAsync();
    }

    [Fact]
    public async Task A_missing_exec_plugin_gives_one_warning_naming_it_and_health_says_why()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"30m"}"""));
        var missing = Path.Combine(_folder, "no-such-plugin");
        await using var scout = await ProfiledScout.StartAsync(redis, ExecKubeconfig(missing), ("SCOUT_INTERVAL", "1h"));

        Assert.Equal(TimeSpan.FromHours(1), scout.Options.Interval);
        var warning = Assert.Single(scout.ProfileWarnings);
        // Names the kubeconfig, the context and the plugin that could not run.
        Assert.Contains("could not be read (kubeconfig ", warning.Message);
        Assert.Contains("context 'cloud': external exec failed", warning.Message);
        Assert.Contains(missing, warning.Message);
        var profile = (await scout.HealthAsync()).GetProperty("profile");
        Assert.Equal("environment", profile.GetProperty("source").GetString());
        Assert.Contains(missing, profile.GetProperty("reason").GetString());
        Assert.Empty(_api.Requests);
    }

    [Fact]
    public async Task A_refused_token_gives_one_warning_saying_so()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"30m"}"""));
        // The plugin's tokens are not ones the server accepts.
        await using var scout = await ProfiledScout.StartAsync(redis, ExecKubeconfig(Plugin(TimeSpan.FromHours(1))), ("SCOUT_INTERVAL", "1h"));

        Assert.Equal(TimeSpan.FromHours(1), scout.Options.Interval);
        var warning = Assert.Single(scout.ProfileWarnings, w => w.Message.Contains("using environment values"));
        Assert.Contains("HTTP 401: the API server did not accept Scout's credentials", warning.Message);
        Assert.Contains("HTTP 401", (await scout.HealthAsync()).GetProperty("profile").GetProperty("reason").GetString());
        Assert.DoesNotContain(scout.Logs.Entries, e => (e.Message + e.Details).Contains(TokenPrefix));
    }
}
