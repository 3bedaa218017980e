using Scout.Tests.Deployment;
using YamlDotNet.RepresentationModel;

namespace Scout.Tests.Monitoring;

/// <summary>monitoring/scout-alerts.rules.yaml: valid for Prometheus (promtool check rules), each alert proven by
/// promtool unit tests to fire on a synthetic series showing its problem and to stay quiet on a healthy one.</summary>
public sealed class AlertRuleTests
{
    /// <summary>What issue 17 asks the rules to watch, by alert name.</summary>
    private static readonly string[] ExpectedAlerts =
    [
        "ScoutAggregationFailing", "ScoutSnapshotStale", "ScoutAlertDeliveryFailing",
        "ScoutRetentionUnparseableTimestamps", "ScoutNoTimerReplica", "ScoutHttp5xxRate",
    ];

    [Fact]
    public async Task Promtool_check_rules_accepts_the_rule_file()
    {
        var (exitCode, output) = await Promtool.RunAsync(RepositoryFiles.Root, "check", "rules", MonitoringFiles.Rules);

        Assert.True(exitCode == 0, $"promtool check rules failed:\n{output}");
        Assert.Contains($"SUCCESS: {ExpectedAlerts.Length} rules found", output);
    }

    [Fact]
    public async Task Promtool_unit_tests_pass()
    {
        var (exitCode, output) = await Promtool.RunAsync(RepositoryFiles.Root, "test", "rules", MonitoringFiles.RuleTests);

        Assert.True(exitCode == 0, $"promtool test rules failed:\n{output}");
        Assert.Contains("SUCCESS", output);
    }

    [Fact]
    public void Every_alert_the_issue_lists_exists_with_a_severity_a_summary_and_a_runbook()
    {
        var rules = MonitoringFiles.AlertRules();

        Assert.Equal(ExpectedAlerts.Order(StringComparer.Ordinal), rules.Select(r => r.Name).Order(StringComparer.Ordinal));
        foreach (var rule in rules)
        {
            Assert.True(rule.Labels.TryGetValue("severity", out var severity) && severity is "info" or "warning" or "critical",
                $"{rule.Name}: needs a severity label info, warning or critical");
            Assert.False(string.IsNullOrWhiteSpace(rule.Annotations.GetValueOrDefault("summary")), $"{rule.Name}: needs a summary");
            Assert.False(string.IsNullOrWhiteSpace(rule.Annotations.GetValueOrDefault("description")), $"{rule.Name}: needs a description");
            var runbook = rule.Annotations.GetValueOrDefault("runbook") ?? "";
            Assert.False(string.IsNullOrWhiteSpace(runbook), $"{rule.Name}: needs a runbook annotation");
            // The runbook points at the alert's own section of the monitoring docs, and that section exists.
            var anchor = $"docs/monitoring.md#{rule.Name.ToLowerInvariant()}";
            Assert.Contains(anchor, runbook);
            Assert.Contains($"### {rule.Name}\n", RepositoryFiles.Read("docs/monitoring.md"));
        }
    }

    [Fact]
    public void Every_alert_has_a_unit_test_where_it_fires_and_one_where_it_stays_quiet()
    {
        var root = MonitoringFiles.LoadYaml(MonitoringFiles.RuleTests);
        Assert.Contains(Path.GetFileName(MonitoringFiles.Rules),
            ((YamlSequenceNode)root["rule_files"]).Children.Select(n => ((YamlScalarNode)n).Value));
        var checks = ((YamlSequenceNode)root["tests"]).Children.Cast<YamlMappingNode>()
            .SelectMany(test => test.Children.TryGetValue(new YamlScalarNode("alert_rule_test"), out var list) ? ((YamlSequenceNode)list).Children : [])
            .Cast<YamlMappingNode>()
            .Select(check => (Alert: ((YamlScalarNode)check["alertname"]).Value!, Fires: ((YamlSequenceNode)check["exp_alerts"]).Children.Count > 0))
            .ToList();

        foreach (var rule in MonitoringFiles.AlertRules())
        {
            Assert.True(checks.Contains((rule.Name, true)), $"{rule.Name}: no promtool test shows it firing");
            Assert.True(checks.Contains((rule.Name, false)), $"{rule.Name}: no promtool test shows it quiet");
        }
    }

    [Fact]
    public void Metric_names_are_read_from_promql_as_prometheus_would()
    {
        // The reader the scrape test relies on: metrics only, never functions, keywords, labels, durations or strings.
        Assert.Equal(["bar_total", "baz", "foo_bucket"],
            MonitoringFiles.MetricNames("""
                histogram_quantile(0.95, sum by (le, endpoint) (rate(foo_bucket{job=~"$job",code=~"5.."}[$__rate_interval])))
                / on (instance) group_left() bar_total offset 15m > 1e3 and ignoring(x) baz unless absent(foo_bucket{a="rate(b)"})
                """).Order(StringComparer.Ordinal));
        Assert.Equal(["homerun2_scout_alerts_failed_total"],
            MonitoringFiles.MetricNames(MonitoringFiles.AlertRules().Single(r => r.Name == "ScoutAlertDeliveryFailing").Expr));
    }
}
