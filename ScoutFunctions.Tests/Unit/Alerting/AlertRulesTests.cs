using Scout.Alerting;
using Scout.Analytics;
using Scout.Http;

namespace Scout.Tests.Unit.Alerting;

public sealed class AlertRulesTests
{
    private static AlertStats Stats(long errors, long criticals, string errorKey = "error", string criticalKey = "critical") =>
        new(errors + criticals, new Dictionary<string, long> { [errorKey] = errors, [criticalKey] = criticals }, []);

    [Fact]
    public void Error_rule_fires_at_the_threshold_with_the_go_title_severity_and_tags()
    {
        var alert = Assert.Single(AlertRules.Evaluate(Stats(50, 0), "5m", errorThreshold: 50, criticalThreshold: 0),
            a => a.Rule == AlertRule.Error);

        Assert.Equal("Scout: Error threshold exceeded", alert.Rule.Title);
        Assert.Equal("WARNING", alert.Rule.Severity);
        Assert.Equal("scout,threshold,error", alert.Rule.Tags);
        Assert.Equal("Error count 50 in the last 5m exceeds threshold 50", alert.Message);
    }

    [Fact]
    public void Below_every_threshold_nothing_fires()
    {
        Assert.Empty(AlertRules.Evaluate(Stats(49, 9), "5m", errorThreshold: 50, criticalThreshold: 10));
    }

    [Fact]
    public void Zero_thresholds_disable_their_rules()
    {
        Assert.Empty(AlertRules.Evaluate(Stats(1000, 1000), "5m", errorThreshold: 0, criticalThreshold: 0));
        var onlyCritical = AlertRules.Evaluate(Stats(1000, 1000), "5m", errorThreshold: 0, criticalThreshold: 10);
        Assert.Equal([AlertRule.Critical], onlyCritical.Select(a => a.Rule));
    }

    [Fact]
    public void Critical_rule_fires_alone_while_the_total_stays_below_both_thresholds()
    {
        var fired = AlertRules.Evaluate(Stats(45, 12), "1h", errorThreshold: 50, criticalThreshold: 10);

        var critical = Assert.Single(fired);
        Assert.Equal(AlertRule.Critical, critical.Rule);
        Assert.Equal(("CRITICAL", "scout,threshold,critical", "Scout: Critical threshold exceeded"), (critical.Rule.Severity, critical.Rule.Tags, critical.Rule.Title));
        Assert.Equal("Critical count 12 in the last 1h exceeds threshold 10", critical.Message);
    }

    [Fact]
    public void Total_rule_compares_with_the_sum_of_both_thresholds()
    {
        var fired = AlertRules.Evaluate(Stats(40, 20), "1h", errorThreshold: 50, criticalThreshold: 10);

        var total = Assert.Single(fired, a => a.Rule == AlertRule.Total);
        Assert.Equal(("ERROR", "scout,threshold,alerts", "Scout: Total alerts threshold exceeded"), (total.Rule.Severity, total.Rule.Tags, total.Rule.Title));
        Assert.Equal(60, total.Count);
        Assert.Equal(60, total.Threshold);
    }

    [Fact]
    public void Severity_keys_match_case_insensitively()
    {
        var fired = AlertRules.Evaluate(Stats(80, 12, "ERROR", "Critical"), "5m", errorThreshold: 50, criticalThreshold: 10);

        Assert.Equal([AlertRule.Error, AlertRule.Critical, AlertRule.Total], fired.Select(a => a.Rule));
        Assert.Equal(80, fired[0].Count);
    }

    [Fact]
    public void The_all_window_message_does_not_claim_a_time_range()
    {
        var alert = AlertRules.Evaluate(Stats(80, 0), "all", errorThreshold: 50, criticalThreshold: 0)[0];

        Assert.Equal("Error count 80 across all indexed messages exceeds threshold 50", alert.Message);
    }

    [Theory]
    [InlineData("https://pitcher.example.com/pitch", "https://pitcher.example.com/pitch")]
    [InlineData("https://pitcher.example.com/pitch/", "https://pitcher.example.com/pitch/")]
    [InlineData("https://pitcher.example.com", "https://pitcher.example.com/pitch")]
    [InlineData("https://pitcher.example.com/", "https://pitcher.example.com/pitch")]
    [InlineData("http://127.0.0.1:8080/api/v1", "http://127.0.0.1:8080/api/v1/pitch")]
    public void Pitcher_url_accepts_the_endpoint_or_the_base(string configured, string expected)
    {
        Assert.Equal(expected, PitcherClient.PitchEndpoint(configured).ToString());
    }

    [Fact]
    public void Pitch_message_carries_the_go_payload_fields()
    {
        var alert = AlertRules.Evaluate(Stats(80, 0), "5m", errorThreshold: 50, criticalThreshold: 0)[0];
        var json = System.Text.Json.JsonSerializer.Serialize(PitchMessage.From(alert), ScoutJson.Options);

        Assert.Equal(
            """{"title":"Scout: Error threshold exceeded","message":"Error count 80 in the last 5m exceeds threshold 50","severity":"WARNING","author":"homerun2-scout","system":"homerun2-scout","tags":"scout,threshold,error"}""",
            json);
    }
}
