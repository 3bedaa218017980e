using System.Text.Json;
using Scout.Profile;

namespace Scout.Tests.Unit.Profile;

public sealed class ProfileOverridesTests
{
    private static ProfileOverrides.Result Parse(string spec) => ProfileOverrides.FromSpec(JsonDocument.Parse(spec).RootElement);

    [Fact]
    public void The_seed_example_maps_to_the_environment_variables()
    {
        var result = Parse("""
            {"scoutInterval":"60s","retention":{"enabled":true,"ttl":"48h"},
             "alerting":{"pitcherURL":"https://homerun2-omni-pitcher.example.com/pitch","errorThreshold":50,"criticalThreshold":10,"cooldown":"5m"}}
            """);

        Assert.Empty(result.Warnings);
        Assert.Equal(new Dictionary<string, string>
        {
            ["SCOUT_INTERVAL"] = "60s",
            ["SCOUT_RETENTION_ENABLED"] = "true",
            ["SCOUT_RETENTION_TTL"] = "48h",
            ["ALERT_PITCHER_URL"] = "https://homerun2-omni-pitcher.example.com/pitch",
            ["ALERT_ERROR_THRESHOLD"] = "50",
            ["ALERT_CRITICAL_THRESHOLD"] = "10",
            ["ALERT_COOLDOWN"] = "5m",
        }, result.Values.OrderBy(kv => kv.Key).ToDictionary());
    }

    [Fact]
    public void Absent_fields_change_nothing_in_particular_retention_enabled()
    {
        var result = Parse("""{"retention":{"ttl":"24h"}}""");

        Assert.Equal(["SCOUT_RETENTION_TTL"], result.Values.Keys);
    }

    [Fact]
    public void Explicit_false_switches_retention_off()
    {
        Assert.Equal("false", Parse("""{"retention":{"enabled":false}}""").Values["SCOUT_RETENTION_ENABLED"]);
    }

    [Fact]
    public void Invalid_fields_are_ignored_with_a_warning_naming_them_and_the_rest_applies()
    {
        var result = Parse("""
            {"scoutInterval":"soon","retention":{"ttl":"-1h"},
             "alerting":{"pitcherURL":"ftp://x","errorThreshold":-5,"criticalThreshold":10,"cooldown":[1]}}
            """);

        Assert.Equal(["ALERT_CRITICAL_THRESHOLD"], result.Values.Keys);
        Assert.Equal(5, result.Warnings.Count);
        foreach (var field in new[] { "spec.scoutInterval", "spec.retention.ttl", "spec.alerting.pitcherURL", "spec.alerting.errorThreshold", "spec.alerting.cooldown" })
            Assert.Contains(result.Warnings, w => w.StartsWith(field + ":", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("soon", StringComparison.Ordinal));
    }

    [Fact]
    public void An_invalid_token_is_reported_without_its_value()
    {
        // A token is never invalid by form; what matters is that warnings never carry secret text.
        var result = Parse("""{"alerting":{"pitcherToken":"s3cr3t-value","pitcherTokenSecretRef":{"name":"","key":"token"}}}""");

        Assert.Equal("s3cr3t-value", result.Values["ALERT_PITCHER_TOKEN"]);
        Assert.Null(result.PitcherTokenSecret);
        Assert.All(result.Warnings, w => Assert.DoesNotContain("s3cr3t", w, StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.StartsWith("spec.alerting.pitcherTokenSecretRef:", StringComparison.Ordinal));
    }

    [Fact]
    public void Secret_reference_is_read()
    {
        Assert.Equal(new ProfileOverrides.SecretReference("pitcher", "token"),
            Parse("""{"alerting":{"pitcherTokenSecretRef":{"name":"pitcher","key":"token"}}}""").PitcherTokenSecret);
    }

    [Fact]
    public void Changes_are_described_old_to_new_with_secrets_masked()
    {
        var before = new Dictionary<string, string?> { ["SCOUT_INTERVAL"] = "60s", ["ALERT_PITCHER_TOKEN"] = "old-secret", ["ALERT_COOLDOWN"] = null };
        var after = new Dictionary<string, string?> { ["SCOUT_INTERVAL"] = "10s", ["ALERT_PITCHER_TOKEN"] = "new-secret", ["ALERT_COOLDOWN"] = null };

        var lines = ProfileOverrides.Describe(before, after).ToList();

        Assert.Equal(["SCOUT_INTERVAL: 60s → 10s", "ALERT_PITCHER_TOKEN: (secret changed)"], lines);
    }

    [Fact]
    public void Credentials_inside_a_pitcher_url_are_masked()
    {
        var before = new Dictionary<string, string?> { ["ALERT_PITCHER_URL"] = null };
        var after = new Dictionary<string, string?> { ["ALERT_PITCHER_URL"] = "https://scout:hunter2@pitcher:8443/pitch" };

        var line = Assert.Single(ProfileOverrides.Describe(before, after));

        Assert.Equal("ALERT_PITCHER_URL: (default) → https://***@pitcher:8443/pitch", line);
    }
}
