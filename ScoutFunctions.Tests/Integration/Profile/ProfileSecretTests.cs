using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Profile;

/// <summary>A pitcher token read from a Secret survives a later profile version whose Secret read fails.</summary>
[Collection(RedisCollection.Name)]
public sealed class ProfileSecretTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const string Ns = ProfiledScout.Namespace;
    private const string Name = ProfiledScout.Name;

    private FakeKubernetesApi _api = null!;

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        _api = await FakeKubernetesApi.StartAsync();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task An_unreadable_secret_keeps_the_token_read_from_it_before()
    {
        const string secretToken = "rotating-secret-5e1f";
        _api.PutSecret(Ns, "pitcher-auth", new() { ["token"] = secretToken });
        const string refSpec = """ "alerting":{"pitcherTokenSecretRef":{"name":"pitcher-auth","key":"token"}} """;
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("{\"scoutInterval\":\"20m\"," + refSpec + "}"));
        await using var scout = await ProfiledScout.StartAsync(redis, _api.Kubeconfig.Path, ("ALERT_PITCHER_TOKEN", "env-token-1"));
        Assert.True(secretToken == scout.Options.PitcherToken, string.Join("\n", scout.Logs.Entries.Select(e => e.Message)));
        await Messages.EventuallyAsync(() => Task.FromResult(_api.OpenWatches == 1), "Scout opens its watch", seconds: 5);

        // The key disappears from the Secret, then the profile changes: the new version applies, the token stays.
        _api.PutSecret(Ns, "pitcher-auth", new() { ["other"] = "x" });
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("{\"scoutInterval\":\"25m\"," + refSpec + "}"));
        await Messages.EventuallyAsync(() => Task.FromResult(scout.Options.Interval == TimeSpan.FromMinutes(25)), "the next version applies", seconds: 5);
        Assert.True(secretToken == scout.Options.PitcherToken, string.Join("\n", scout.Logs.Entries.Select(e => e.Message)));
        Assert.Contains(scout.ProfileWarnings, w => w.Message.Contains("pitcher token unchanged"));
    }
}
