using System.Net;
using FunctionsSelfHost.Timers;
using Scout.Profile;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Profile;

/// <summary>
/// The ScoutProfile watch against a fake API server streaming watch events: changes apply live (the timer
/// host follows a new interval), deletion returns to the environment, a dropped watch resumes from the last version
/// seen (bookmarks included) without replaying old changes, 410 Gone lists again, errors back off with jitter.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ProfileWatchTests(RedisServerFixture redis) : IAsyncLifetime
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

    private Task<ProfiledScout> StartAsync(params (string Key, string? Value)[] settings) =>
        ProfiledScout.StartAsync(redis, _api.Kubeconfig.Path, [("SCOUT_INTERVAL", "1h"), ("SCOUT_WINDOWS", "1h,24h"), .. settings]);

    private Task WaitForWatchAsync() =>
        Messages.EventuallyAsync(() => Task.FromResult(_api.OpenWatches == 1), "Scout opens its watch", seconds: 5);

    private static Task EventuallyAsync(Func<bool> condition, string because, int seconds = 5) =>
        Messages.EventuallyAsync(() => Task.FromResult(condition()), because, seconds);

    [Fact]
    public async Task A_modified_interval_reschedules_the_aggregation_without_a_restart()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"30m"}"""));
        await using var scout = await StartAsync();
        await EventuallyAsync(() => scout.Index.CountQueries == 1, "the start-up aggregation runs");
        await WaitForWatchAsync();

        var resourceVersion = _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"1s"}"""));

        await EventuallyAsync(() => scout.Options.Interval == TimeSpan.FromSeconds(1), "the new interval reaches the options");
        // With 30m still in force no second run would come for half an hour: repeated runs prove the reschedule.
        await EventuallyAsync(() => scout.Index.CountQueries >= 3, "the aggregation runs every second", seconds: 6);
        Assert.Contains(scout.Logs.From<TimerHost>(), e => e.Message.Contains("rescheduled: 30m → 1s"));
        Assert.Contains(scout.Logs.From<ScoutProfileService>(), e => e.Message.Contains("SCOUT_INTERVAL: 30m → 1s"));
        Assert.Equal(resourceVersion, (await scout.HealthAsync()).GetProperty("profile").GetProperty("resourceVersion").GetString());
    }

    [Fact]
    public async Task An_interval_modified_while_a_run_is_in_progress_reschedules_once_it_ends()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"30m"}"""));
        GatedSearchIndex gated = null!;
        await using var scout = await ProfiledScout.StartAsync(redis, _api.Kubeconfig.Path,
            index => gated = new GatedSearchIndex(index), ("SCOUT_INTERVAL", "1h"));
        await gated.Entered.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await WaitForWatchAsync();

        // The timer host is inside the start-up run, not waiting: nobody is listening for the change right now.
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"1s"}"""));
        await EventuallyAsync(() => scout.Options.Interval == TimeSpan.FromSeconds(1), "the new interval reaches the options");
        gated.Released.SetResult();

        await EventuallyAsync(() => scout.Index.CountQueries >= 3, "the aggregation runs every second", seconds: 6);
    }

    [Fact]
    public async Task Modified_windows_thresholds_cooldown_and_retention_apply_live()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"windows":"2h"}"""));
        await using var scout = await StartAsync(("SCOUT_RETENTION_TTL", "48h"));
        await WaitForWatchAsync();

        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""
            {"windows":"10m,3h","retention":{"enabled":false,"ttl":"8h"},
             "alerting":{"errorThreshold":11,"criticalThreshold":3,"cooldown":"45s"}}
            """));

        await EventuallyAsync(() => scout.Options.ErrorThreshold == 11, "the modified profile applies");
        var options = scout.Options;
        Assert.Equal(3, options.CriticalThreshold);
        Assert.Equal(TimeSpan.FromSeconds(45), options.Cooldown);
        Assert.False(options.RetentionEnabled);
        Assert.Equal(TimeSpan.FromHours(8), options.RetentionTtl);
        Assert.Equal(["all", "5m", "10m", "3h"], await scout.ServedWindowsAsync());
        // The line describing the change follows the options' reload.
        await EventuallyAsync(() => scout.Logs.From<ScoutProfileService>().Any(e => e.Message.Contains("ALERT_ERROR_THRESHOLD")), "the change is logged");
        var change = Assert.Single(scout.Logs.From<ScoutProfileService>(), e => e.Message.Contains("ALERT_ERROR_THRESHOLD"));
        Assert.Contains("ALERT_ERROR_THRESHOLD: (default) → 11", change.Message);
        Assert.Contains("SCOUT_RETENTION_TTL: 48h → 8h", change.Message);
        Assert.Contains("SCOUT_WINDOWS: 2h → 10m,3h", change.Message);
    }

    [Fact]
    public async Task Switching_retention_on_and_shortening_its_ttl_live_deletes_expired_messages()
    {
        var now = DateTimeOffset.UtcNow;
        var old = await Messages.AddAsync(redis.Database, "info", "billing", now.AddHours(-3));
        var recent = await Messages.AddAsync(redis.Database, "info", "billing", now.AddMinutes(-10));
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"1s","retention":{"enabled":false} }"""));
        await using var scout = await StartAsync(("SCOUT_RETENTION_TTL", "48h"));
        await WaitForWatchAsync();
        // PruneRetention shares the 1s schedule: it came due and was skipped as disabled.
        await EventuallyAsync(() => scout.Logs.From<TimerHost>().Any(e => e.Message.Contains("PruneRetention is disabled")), "retention is due and disabled");
        Assert.True(await redis.Database.KeyExistsAsync(old));

        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"1s","retention":{"enabled":true,"ttl":"1h"} }"""));

        await Messages.EventuallyAsync(async () => !await redis.Database.KeyExistsAsync(old), "the 3 h old message is pruned with the 1 h TTL", seconds: 6);
        Assert.True(await redis.Database.KeyExistsAsync(recent));
    }

    [Fact]
    public async Task A_changed_inline_token_is_logged_masked()
    {
        const string first = "inline-first-4c2b";
        const string second = "inline-second-8e1f";
        _api.PutProfile(Ns, Name, ProfiledScout.Spec($$"""{"alerting":{"pitcherToken":"{{first}}"} }"""));
        await using var scout = await StartAsync();
        await WaitForWatchAsync();

        _api.PutProfile(Ns, Name, ProfiledScout.Spec($$"""{"alerting":{"pitcherToken":"{{second}}"} }"""));

        // The options reload as the values are replaced; the change's log line follows: wait for both.
        await EventuallyAsync(() => scout.Options.PitcherToken == second && MaskedChanges(scout) >= 2, "the new token applies and is logged");
        Assert.Equal(2, MaskedChanges(scout));
        Assert.DoesNotContain(scout.Logs.Entries, e => (e.Message + e.Details).Contains(first) || (e.Message + e.Details).Contains(second));
    }

    private static int MaskedChanges(ProfiledScout scout) => scout.Logs.Entries.Count(e => e.Message.Contains("ALERT_PITCHER_TOKEN: (secret changed)"));

    [Fact]
    public async Task Other_profiles_in_the_namespace_are_ignored()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"30m"}"""));
        await using var scout = await StartAsync();
        await WaitForWatchAsync();

        _api.PutProfile(Ns, "another-scout", ProfiledScout.Spec("""{"scoutInterval":"5m"}"""));
        _api.DeleteProfile(Ns, "another-scout");
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"40m"}"""));

        // Events arrive in order: once the last one is applied, the other profile's would have been too.
        await EventuallyAsync(() => scout.Options.Interval == TimeSpan.FromMinutes(40), "this profile's change applies");
        Assert.Contains("fieldSelector=metadata.name%3D" + Name, _api.Requests.Last(r => r.Watch).Query);
        Assert.DoesNotContain(scout.Logs.From<ScoutProfileService>(), e => e.Message.Contains("→ 5m") || e.Message.Contains("back to environment"));
    }

    [Fact]
    public async Task Deleting_the_profile_returns_to_the_environment_values()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"30m","windows":"15m","alerting":{"errorThreshold":6}}"""));
        await using var scout = await StartAsync(("ALERT_ERROR_THRESHOLD", "2"));
        Assert.Equal(TimeSpan.FromMinutes(30), scout.Options.Interval);
        await WaitForWatchAsync();

        _api.DeleteProfile(Ns, Name);

        await EventuallyAsync(() => scout.Options.Interval == TimeSpan.FromHours(1), "the environment interval is back");
        Assert.Equal(2, scout.Options.ErrorThreshold);
        Assert.Equal(["all", "5m", "1h", "24h"], await scout.ServedWindowsAsync());
        var profile = (await scout.HealthAsync()).GetProperty("profile");
        Assert.Equal("environment", profile.GetProperty("source").GetString());
        Assert.False(profile.TryGetProperty("resourceVersion", out _));
        Assert.Contains(scout.Logs.From<ScoutProfileService>(), e => e.Message.Contains("deleted, back to environment values") && e.Message.Contains("SCOUT_INTERVAL: 30m → 1h"));
    }

    [Fact]
    public async Task A_profile_created_after_start_up_is_applied_from_the_watch()
    {
        await using var scout = await StartAsync();
        Assert.Single(scout.ProfileWarnings, w => w.Message.Contains("not found"));
        await WaitForWatchAsync();

        var resourceVersion = _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"40m"}"""));

        await EventuallyAsync(() => scout.Options.Interval == TimeSpan.FromMinutes(40), "the created profile applies");
        Assert.Equal(resourceVersion, (await scout.HealthAsync()).GetProperty("profile").GetProperty("resourceVersion").GetString());
    }

    [Fact]
    public async Task A_watch_stream_closed_by_the_server_is_reopened_within_seconds()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"30m"}"""));
        await using var scout = await StartAsync();
        await WaitForWatchAsync();
        Assert.Equal(1, _api.WatchRequests);

        _api.DropWatches();

        await EventuallyAsync(() => _api.WatchRequests == 2 && _api.OpenWatches == 1, "a second watch request arrives", seconds: 4);
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"25m"}"""));
        await EventuallyAsync(() => scout.Options.Interval == TimeSpan.FromMinutes(25), "the new watch delivers changes");
    }

    [Fact]
    public async Task A_dropped_watch_reconnects_and_catches_up_with_changes_made_meanwhile()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"30m"}"""));
        await using var scout = await StartAsync();
        await WaitForWatchAsync();

        _api.DropWatches();
        // Made before Scout's reconnect (which waits for its backoff), so only the new watch can deliver it.
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"35m"}"""));
        var changedAt = DateTimeOffset.UtcNow;

        await EventuallyAsync(() => scout.Options.Interval == TimeSpan.FromMinutes(35), "the reconnected watch applies the change");
        Assert.Equal(1, _api.OpenWatches);
        Assert.True(_api.Requests.Last(r => r.Watch).At > changedAt, "the change was made while no watch was open");
    }

    [Fact]
    public async Task Watch_retries_back_off_while_the_api_server_refuses()
    {
        _api.FailWith = HttpStatusCode.Forbidden;
        await using var scout = await StartAsync();
        var started = DateTimeOffset.UtcNow;

        // Each attempt lists the profile (the informer's first step) and fails there.
        await EventuallyAsync(() => Lists() >= 3, "three attempts", seconds: 30);
        var seconds = (DateTimeOffset.UtcNow - started).TotalSeconds;
        // Exponential backoff from 1 s with jitter: three attempts take seconds, never a busy loop.
        Assert.True(seconds >= 1, $"three attempts within {seconds:F2} s");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.True(Lists() <= 8, $"{Lists()} attempts within {(DateTimeOffset.UtcNow - started).TotalSeconds:F0} s");
        var warning = Assert.IsType<string>(scout.ProfileWarnings.Select(w => w.Message).FirstOrDefault(m => m.Contains("watch dropped (HTTP 403")));
        Assert.Contains("Scout needs get, list and watch on scoutprofiles.homerun2.stuttgart-things.com", warning);
        Assert.Equal(0, _api.WatchRequests);
    }

    private int Lists() => _api.Requests.Count(r => !r.Watch && r.Path.EndsWith("/scoutprofiles", StringComparison.Ordinal));

    private int Applied(ProfiledScout scout) => scout.Logs.From<ScoutProfileService>().Count(e => e.Message.Contains("applied resourceVersion"));

    [Fact]
    public async Task The_watch_starts_from_the_lists_version_with_bookmarks_and_resumes_from_the_last_version_seen()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"30m"}"""));
        await using var scout = await StartAsync();
        await WaitForWatchAsync();
        var first = _api.Requests.Last(r => r.Watch).Query;
        Assert.Contains("allowWatchBookmarks=true", first);
        Assert.Matches(@"resourceVersion=\d+", first);
        Assert.Equal(1, Applied(scout)); // read at start-up; the list repeats the same version and is not applied again

        var changed = _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"25m"}"""));
        await EventuallyAsync(() => scout.Options.Interval == TimeSpan.FromMinutes(25), "the change applies");
        _api.DropWatches();
        await EventuallyAsync(() => _api.OpenWatches == 1 && _api.WatchRequests == 2, "the watch resumes");
        Assert.Contains("resourceVersion=" + changed, _api.Requests.Last(r => r.Watch).Query);
        Assert.Equal(1, Lists()); // resumed, not listed again

        // A bookmark moves the version without a change; the next resume starts there.
        var bookmark = _api.SendBookmark();
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        _api.DropWatches();
        await EventuallyAsync(() => _api.OpenWatches == 1 && _api.WatchRequests == 3, "the watch resumes again");
        Assert.Contains("resourceVersion=" + bookmark, _api.Requests.Last(r => r.Watch).Query);

        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"20m"}"""));
        await EventuallyAsync(() => scout.Options.Interval == TimeSpan.FromMinutes(20), "the resumed watch delivers changes");
        // Every change applied once: start-up, 25m, 20m; no replay of an old one.
        Assert.Equal(3, Applied(scout));
    }

    [Fact]
    public async Task A_version_the_server_forgot_410_gone_is_answered_by_a_fresh_list()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"30m"}"""));
        await using var scout = await StartAsync();
        await WaitForWatchAsync();

        _api.FailWith = HttpStatusCode.ServiceUnavailable;
        _api.DropWatches();
        await EventuallyAsync(() => _api.Requests.Count(r => r.Watch) >= 2, "Scout tries to resume");
        // Meanwhile the profile changes and the server compacts its history past Scout's version.
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"45m"}"""));
        _api.Compact();
        _api.FailWith = null;

        await EventuallyAsync(() => scout.Options.Interval == TimeSpan.FromMinutes(45), "the fresh list applies the change", seconds: 30);
        Assert.Equal(2, Lists());
        Assert.Contains(scout.Logs.From<ScoutProfileService>(), e => e.Message.Contains("is gone (410); listing again"));
        await EventuallyAsync(() => _api.OpenWatches == 1, "the watch goes on from the new list");
    }

    [Fact]
    public async Task A_profile_deleted_while_the_watch_is_down_is_noticed_on_reconnect()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"30m"}"""));
        await using var scout = await StartAsync();
        await WaitForWatchAsync();

        _api.FailWith = HttpStatusCode.ServiceUnavailable;
        var requests = _api.Requests.Count;
        _api.DropWatches();
        await EventuallyAsync(() => _api.Requests.Count > requests, "Scout tries to reconnect");
        // No watch is open to carry the DELETED event; a new watch only replays objects that exist.
        _api.DeleteProfile(Ns, Name);
        _api.FailWith = null;

        await EventuallyAsync(() => scout.Options.Interval == TimeSpan.FromHours(1), "the environment interval is back", seconds: 30);
        Assert.Equal("environment", (await scout.HealthAsync()).GetProperty("profile").GetProperty("source").GetString());
    }

    [Fact]
    public async Task With_SCOUT_PROFILE_WATCH_false_the_profile_is_read_once_and_not_watched()
    {
        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"30m"}"""));
        await using var scout = await StartAsync(("SCOUT_PROFILE_WATCH", "false"));
        Assert.Equal(TimeSpan.FromMinutes(30), scout.Options.Interval);

        _api.PutProfile(Ns, Name, ProfiledScout.Spec("""{"scoutInterval":"35m"}"""));
        // Absence can only be shown by waiting: longer than a watch would take to connect and apply.
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        Assert.Equal(0, _api.WatchRequests);
        Assert.Equal(TimeSpan.FromMinutes(30), scout.Options.Interval);
    }
}
