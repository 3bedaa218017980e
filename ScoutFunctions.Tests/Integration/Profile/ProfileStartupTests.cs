using System.Net;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Profile;

/// <summary>
/// Loading the ScoutProfile at start-up from a real HTTP Kubernetes API (a fake one on loopback) through a
/// kubeconfig: values applied before the timers start, and every failure falls back to the environment fast.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ProfileStartupTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const string Ns = ProfiledScout.Namespace;
    private const string Name = ProfiledScout.Name;

    /// <summary>Start-up must not wait for the API longer than this (the service's bound is 3 s).</summary>
    private static readonly TimeSpan StartUpBound = TimeSpan.FromSeconds(5);

    private FakeKubernetesApi _api = null!;

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        _api = await FakeKubernetesApi.StartAsync();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task A_found_profile_overrides_the_environment_before_the_first_timer_run_and_shows_in_health()
    {
        var resourceVersion = _api.PutProfile(Ns, Name, ProfiledScout.Spec("""
            {"scoutInterval":"30m","windows":"15m,6h",
             "retention":{"enabled":false,"ttl":"12h"},
             "alerting":{"errorThreshold":7,"criticalThreshold":2,"cooldown":"90s","window":"15m"}}
            """));
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await using var scout = await ProfiledScout.StartAsync(redis, _api.Kubeconfig.Path,
            ("SCOUT_INTERVAL", "1h"), ("SCOUT_WINDOWS", "1h,24h"), ("ALERT_ERROR_THRESHOLD", "3"), ("SCOUT_RETENTION_TTL", "48h"));

        var options = scout.Options;
        Assert.Equal(TimeSpan.FromMinutes(30), options.Interval);
        Assert.Equal(["all", "15m", "6h"], options.WindowNames);
        Assert.False(options.RetentionEnabled);
        Assert.Equal(TimeSpan.FromHours(12), options.RetentionTtl);
        Assert.Equal(7, options.ErrorThreshold);
        Assert.Equal(2, options.CriticalThreshold);
        Assert.Equal(TimeSpan.FromSeconds(90), options.Cooldown);
        Assert.Equal("15m", options.AlertWindow);
        Assert.Equal(["all", "15m", "6h"], await scout.ServedWindowsAsync());

        var profile = (await scout.HealthAsync()).GetProperty("profile");
        Assert.Equal("ScoutProfile", profile.GetProperty("source").GetString());
        Assert.Equal(Name, profile.GetProperty("name").GetString());
        Assert.Equal(resourceVersion, profile.GetProperty("resourceVersion").GetString());
        var appliedAt = DateTimeOffset.Parse(profile.GetProperty("appliedAt").GetString()!);
        Assert.InRange(appliedAt, before, DateTimeOffset.UtcNow);

        // The profile was in force when the timer host scheduled the first run: next = last + 30m, not + 1h.
        await Messages.EventuallyAsync(async () =>
            (await scout.HealthAsync()).GetProperty("functions").GetProperty("AggregateAnalytics").TryGetProperty("lastRun", out _),
            "the start-up aggregation run is recorded", seconds: 8);
        var timer = (await scout.HealthAsync()).GetProperty("functions").GetProperty("AggregateAnalytics");
        var interval = DateTimeOffset.Parse(timer.GetProperty("nextRun").GetString()!) - DateTimeOffset.Parse(timer.GetProperty("lastRun").GetString()!);
        Assert.Equal(TimeSpan.FromMinutes(30), interval);

        var get = Assert.Single(_api.Requests, r => !r.Watch && r.Path.EndsWith("/scoutprofiles/" + Name));
        Assert.Equal($"/apis/homerun2.stuttgart-things.com/v1alpha1/namespaces/{Ns}/scoutprofiles/{Name}", get.Path);
        Assert.Equal("Bearer " + FakeKubernetesApi.Token, get.Authorization);
        Assert.Empty(scout.ProfileWarnings);
    }

    [Fact]
    public async Task Without_POD_NAMESPACE_the_profile_is_read_from_homerun2()
    {
        _api.PutProfile("homerun2", Name, ProfiledScout.Spec("""{"scoutInterval":"45m"}"""));
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"20m"}"""));
        await using var scout = await ProfiledScout.StartAsync(redis, _api.Kubeconfig.Path, ("POD_NAMESPACE", null));

        Assert.Equal(TimeSpan.FromMinutes(45), scout.Options.Interval);
        Assert.Contains(_api.Requests, r => r.Path == $"/apis/homerun2.stuttgart-things.com/v1alpha1/namespaces/homerun2/scoutprofiles/{Name}");
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, "not found")]
    [InlineData(HttpStatusCode.Forbidden, "HTTP 403")]
    [InlineData(HttpStatusCode.InternalServerError, "HTTP 500")]
    public async Task An_unreadable_profile_leaves_the_environment_values_with_one_warning_and_a_fast_start(HttpStatusCode status, string reason)
    {
        // 404: simply no such profile; the other statuses are the API's answer to every request.
        if (status != HttpStatusCode.NotFound) _api.FailWith = status;
        await using var scout = await ProfiledScout.StartAsync(redis, _api.Kubeconfig.Path, ("SCOUT_INTERVAL", "1h"), ("SCOUT_WINDOWS", "1h,24h"));

        Assert.True(scout.StartUp < StartUpBound, $"start-up took {scout.StartUp}");
        Assert.Contains(_api.Requests, r => !r.Watch && r.Path.EndsWith("/scoutprofiles/" + Name));
        AssertEnvironmentValues(scout);
        var warning = Assert.Single(scout.ProfileWarnings, w => w.Message.Contains("using environment values"));
        Assert.Contains($"{Ns}/{Name}", warning.Message);
        Assert.Contains(reason, warning.Message);
        await AssertHealthShowsEnvironmentAsync(scout);
    }

    [Fact]
    public async Task An_unreachable_api_server_leaves_the_environment_values_with_one_warning_and_a_fast_start()
    {
        using var nowhere = KubeconfigFile.Write($"http://127.0.0.1:{FreePort.Next()}", FakeKubernetesApi.Token);
        await using var scout = await ProfiledScout.StartAsync(redis, nowhere.Path, ("SCOUT_INTERVAL", "1h"), ("SCOUT_WINDOWS", "1h,24h"));

        Assert.True(scout.StartUp < StartUpBound, $"start-up took {scout.StartUp}");
        AssertEnvironmentValues(scout);
        var warning = Assert.Single(scout.ProfileWarnings, w => w.Message.Contains("using environment values"));
        Assert.Contains("could not be read", warning.Message);
        await AssertHealthShowsEnvironmentAsync(scout);
    }

    [Fact]
    public async Task A_missing_kubeconfig_file_leaves_the_environment_values_with_one_warning()
    {
        var missing = Path.Combine(Path.GetTempPath(), "scout-no-such-dir-" + Guid.NewGuid(), "config");
        await using var scout = await ProfiledScout.StartAsync(redis, missing, ("SCOUT_INTERVAL", "1h"), ("SCOUT_WINDOWS", "1h,24h"));

        AssertEnvironmentValues(scout);
        Assert.Single(scout.ProfileWarnings, w => w.Message.Contains("could not be read"));
        await AssertHealthShowsEnvironmentAsync(scout);
    }

    [Fact]
    public async Task Without_SCOUT_PROFILE_NAME_no_profile_is_read_and_health_says_environment()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"30m"}"""));
        await using var scout = await ProfiledScout.StartAsync(redis, _api.Kubeconfig.Path, ("SCOUT_PROFILE_NAME", null), ("SCOUT_INTERVAL", "1h"));

        Assert.Equal(TimeSpan.FromHours(1), scout.Options.Interval);
        Assert.Empty(_api.Requests);
        Assert.Empty(scout.ProfileWarnings);
        var profile = (await scout.HealthAsync()).GetProperty("profile");
        Assert.Equal("environment", profile.GetProperty("source").GetString());
        Assert.False(profile.TryGetProperty("name", out _));
    }

    [Fact]
    public async Task A_hanging_api_server_delays_start_up_only_up_to_the_bound()
    {
        _api.Hang = true;
        await using var scout = await ProfiledScout.StartAsync(redis, _api.Kubeconfig.Path, ("SCOUT_INTERVAL", "1h"), ("SCOUT_WINDOWS", "1h,24h"));

        Assert.True(scout.StartUp < StartUpBound, $"start-up took {scout.StartUp}");
        // The request really reached the server and was left unanswered: the bound, not an error, ended the wait.
        Assert.Contains(_api.Requests, r => !r.Watch && r.Path.EndsWith("/scoutprofiles/" + Name));
        var warning = Assert.Single(scout.ProfileWarnings, w => w.Message.Contains("using environment values"));
        Assert.Contains("no answer within", warning.Message);
        AssertEnvironmentValues(scout);
        await AssertHealthShowsEnvironmentAsync(scout);
    }

    [Fact]
    public async Task Invalid_fields_are_ignored_with_a_warning_naming_each_and_the_rest_applies()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""
            {"scoutInterval":"every minute","windows":"10m,2h",
             "retention":{"ttl":"0s","enabled":"maybe"},
             "alerting":{"pitcherURL":"ftp://pitcher.example/pitch","errorThreshold":-1,"criticalThreshold":9,"cooldown":"2m"}}
            """));
        await using var scout = await ProfiledScout.StartAsync(redis, _api.Kubeconfig.Path,
            ("SCOUT_INTERVAL", "1h"), ("SCOUT_WINDOWS", "1h,24h"), ("ALERT_ERROR_THRESHOLD", "4"), ("SCOUT_RETENTION_TTL", "36h"));

        var options = scout.Options;
        Assert.Equal(TimeSpan.FromHours(1), options.Interval);
        Assert.Equal(TimeSpan.FromHours(36), options.RetentionTtl);
        Assert.True(options.RetentionEnabled);
        Assert.Equal("", options.PitcherUrl);
        Assert.Equal(4, options.ErrorThreshold);
        Assert.Equal(9, options.CriticalThreshold);
        Assert.Equal(TimeSpan.FromMinutes(2), options.Cooldown);
        Assert.Equal(["all", "5m", "10m", "2h"], await scout.ServedWindowsAsync());

        // The watch replays the same version as ADDED; a later valid version, applied in order after it,
        // proves the replay was handled before the warnings are counted: one per field, not one per event.
        await WaitForWatchAsync();
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"50m"}"""));
        await Messages.EventuallyAsync(() => Task.FromResult(scout.Options.Interval == TimeSpan.FromMinutes(50)), "the next version applies", seconds: 5);

        var warnings = scout.ProfileWarnings.Select(w => w.Message).ToList();
        foreach (var field in new[] { "spec.scoutInterval", "spec.retention.ttl", "spec.retention.enabled", "spec.alerting.pitcherURL", "spec.alerting.errorThreshold" })
            Assert.Single(warnings, w => w.Contains(field + ":"));
        Assert.DoesNotContain(warnings, w => w.Contains("spec.windows") || w.Contains("criticalThreshold") || w.Contains("cooldown"));
        Assert.Equal("ScoutProfile", (await scout.HealthAsync()).GetProperty("profile").GetProperty("source").GetString());
    }

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    public async Task Absent_fields_keep_the_environment_values_and_present_zero_overrides(string retentionEnabled)
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""
            {"scoutInterval":"","windows":null,"retention":{"ttl":"6h"},
             "alerting":{"errorThreshold":0,"criticalThreshold":null}}
            """));
        await using var scout = await ProfiledScout.StartAsync(redis, _api.Kubeconfig.Path,
            ("SCOUT_INTERVAL", "1h"), ("SCOUT_WINDOWS", "1h,24h"), ("SCOUT_RETENTION_ENABLED", retentionEnabled), ("SCOUT_RETENTION_TTL", "24h"),
            ("ALERT_ERROR_THRESHOLD", "5"), ("ALERT_CRITICAL_THRESHOLD", "4"));

        var options = scout.Options;
        Assert.Equal(TimeSpan.FromHours(1), options.Interval);
        Assert.Equal(["all", "5m", "1h", "24h"], options.WindowNames);
        Assert.Equal(bool.Parse(retentionEnabled), options.RetentionEnabled);
        Assert.Equal(TimeSpan.FromHours(6), options.RetentionTtl);
        Assert.Equal(0, options.ErrorThreshold);
        Assert.Equal(4, options.CriticalThreshold);
        Assert.Empty(scout.ProfileWarnings);
    }

    [Fact]
    public async Task The_pitcher_token_comes_from_the_referenced_secret_and_never_reaches_logs_or_health()
    {
        const string secretToken = "k8s-secret-token-9f2e41";
        const string inlineToken = "inline-token-3b7a55";
        const string environmentToken = "env-token-d00d11";
        _api.PutSecret(Ns, "pitcher-auth", new() { ["token"] = secretToken + "\n", ["other"] = "unused" });
        _api.PutProfile(Ns, Name, ProfiledScout.Spec($$"""
            {"alerting":{"pitcherURL":"http://127.0.0.1:9/pitch","pitcherToken":"{{inlineToken}}",
              "pitcherTokenSecretRef":{"name":"pitcher-auth","key":"token"} } }
            """));
        await using var scout = await ProfiledScout.StartAsync(redis, _api.Kubeconfig.Path, ("ALERT_PITCHER_TOKEN", environmentToken));

        Assert.Equal(secretToken, scout.Options.PitcherToken);
        Assert.Equal("http://127.0.0.1:9/pitch", scout.Options.PitcherUrl);
        Assert.Contains(_api.Requests, r => r.Path == $"/api/v1/namespaces/{Ns}/secrets/pitcher-auth");

        var health = await (await scout.App.Client.GetAsync("/health")).Content.ReadAsStringAsync();
        var logs = scout.Logs.Entries;
        Assert.Contains(logs, e => e.Message.Contains("ALERT_PITCHER_TOKEN: (secret changed)"));
        foreach (var token in new[] { secretToken, inlineToken, environmentToken })
        {
            Assert.DoesNotContain(token, health);
            Assert.DoesNotContain(logs, e => e.Message.Contains(token) || e.Details.Contains(token));
        }
    }

    [Fact]
    public async Task A_missing_secret_keeps_the_environment_token_with_a_warning_and_the_rest_applies()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""
            {"scoutInterval":"20m","alerting":{"pitcherTokenSecretRef":{"name":"no-such-secret","key":"token"} } }
            """));
        await using var scout = await ProfiledScout.StartAsync(redis, _api.Kubeconfig.Path, ("ALERT_PITCHER_TOKEN", "env-token-77"));

        Assert.Equal("env-token-77", scout.Options.PitcherToken);
        Assert.Equal(TimeSpan.FromMinutes(20), scout.Options.Interval);
        // As above: once a later version is in force, the watch's replay of this one has been handled too.
        await WaitForWatchAsync();
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"25m"}"""));
        await Messages.EventuallyAsync(() => Task.FromResult(scout.Options.Interval == TimeSpan.FromMinutes(25)), "the next version applies", seconds: 5);
        Assert.Single(scout.ProfileWarnings, w => w.Message.Contains("no-such-secret") && w.Message.Contains("pitcher token unchanged"));
    }

    [Fact]
    public async Task A_hanging_secret_read_does_not_hold_back_the_rest_of_the_profile()
    {
        _api.HangSecrets = true;
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""
            {"scoutInterval":"20m","alerting":{"pitcherTokenSecretRef":{"name":"pitcher-auth","key":"token"} } }
            """));
        await using var scout = await ProfiledScout.StartAsync(redis, _api.Kubeconfig.Path, ("SCOUT_INTERVAL", "1h"), ("ALERT_PITCHER_TOKEN", "env-token-31"));

        Assert.True(scout.StartUp < StartUpBound, $"start-up took {scout.StartUp}");
        Assert.Contains(_api.Requests, r => r.Path == $"/api/v1/namespaces/{Ns}/secrets/pitcher-auth");
        Assert.Equal(TimeSpan.FromMinutes(20), scout.Options.Interval);
        Assert.Equal("env-token-31", scout.Options.PitcherToken);
        Assert.Single(scout.ProfileWarnings, w => w.Message.Contains("pitcher-auth") && w.Message.Contains("pitcher token unchanged"));
        Assert.Equal("ScoutProfile", (await scout.HealthAsync()).GetProperty("profile").GetProperty("source").GetString());
    }

    [Fact]
    public async Task An_unreadable_secret_keeps_the_token_read_from_it_before()
    {
        const string secretToken = "rotating-secret-5e1f";
        _api.PutSecret(Ns, "pitcher-auth", new() { ["token"] = secretToken });
        const string refSpec = """ "alerting":{"pitcherTokenSecretRef":{"name":"pitcher-auth","key":"token"}} """;
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("{\"scoutInterval\":\"20m\"," + refSpec + "}"));
        await using var scout = await ProfiledScout.StartAsync(redis, _api.Kubeconfig.Path, ("ALERT_PITCHER_TOKEN", "env-token-1"));
        Assert.True(secretToken == scout.Options.PitcherToken, string.Join("\n", scout.Logs.Entries.Select(e => e.Message)));
        await WaitForWatchAsync();

        // The key disappears from the Secret, then the profile changes: the new version applies, the token stays.
        _api.PutSecret(Ns, "pitcher-auth", new() { ["other"] = "x" });
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("{\"scoutInterval\":\"25m\"," + refSpec + "}"));
        await Messages.EventuallyAsync(() => Task.FromResult(scout.Options.Interval == TimeSpan.FromMinutes(25)), "the next version applies", seconds: 5);
        Assert.True(secretToken == scout.Options.PitcherToken, string.Join("\n", scout.Logs.Entries.Select(e => e.Message)));
        Assert.Contains(scout.ProfileWarnings, w => w.Message.Contains("pitcher token unchanged"));
    }

    private Task WaitForWatchAsync() =>
        Messages.EventuallyAsync(() => Task.FromResult(_api.OpenWatches == 1), "Scout opens its watch", seconds: 5);

    private static void AssertEnvironmentValues(ProfiledScout scout)
    {
        Assert.Equal(TimeSpan.FromHours(1), scout.Options.Interval);
        Assert.Equal(["all", "5m", "1h", "24h"], scout.Options.WindowNames);
    }

    private static async Task AssertHealthShowsEnvironmentAsync(ProfiledScout scout)
    {
        var profile = (await scout.HealthAsync()).GetProperty("profile");
        Assert.Equal("environment", profile.GetProperty("source").GetString());
        Assert.Equal(Name, profile.GetProperty("name").GetString());
        Assert.False(profile.TryGetProperty("resourceVersion", out _));
    }
}
