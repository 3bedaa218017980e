using System.Text.Json.Nodes;

namespace Scout.Tests.Monitoring;

/// <summary>monitoring/scout-dashboard.json: importable as is into any Grafana, and every query valid PromQL.</summary>
public sealed class DashboardTests
{
    private static readonly JsonObject Dashboard = MonitoringFiles.LoadDashboard();

    [Fact]
    public void The_datasource_is_chosen_by_a_prometheus_variable_and_no_uid_of_another_grafana_is_hard_coded()
    {
        var variables = Dashboard["templating"]!["list"]!.AsArray();
        var datasource = Assert.Single(variables, v => (string?)v!["name"] == "datasource")!;
        Assert.Equal("datasource", (string?)datasource["type"]);
        Assert.Equal("prometheus", (string?)datasource["query"]);
        // __inputs make Grafana's import dialog ask for a datasource; the Grafana sidecar cannot answer it.
        Assert.Null(Dashboard["__inputs"]);

        var references = new List<(string Path, JsonNode? Value)>();
        void Walk(JsonNode? node, string path)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, value) in o)
                    {
                        if (key == "datasource") references.Add(($"{path}.{key}", value));
                        Walk(value, $"{path}.{key}");
                    }
                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++) Walk(a[i], $"{path}[{i}]");
                    break;
            }
        }
        Walk(Dashboard, "$");
        Assert.NotEmpty(references);
        foreach (var (path, value) in references)
        {
            // Grafana's built-in annotation source is the one reference that is not a Prometheus query.
            var builtIn = path.StartsWith("$.annotations", StringComparison.Ordinal) && (string?)value?["uid"] == "-- Grafana --";
            Assert.True(builtIn || ((string?)value?["type"] == "prometheus" && (string?)value["uid"] == "${datasource}"),
                $"{path}: {value?.ToJsonString()} must be {{\"type\":\"prometheus\",\"uid\":\"${{datasource}}\"}}");
        }
    }

    [Fact]
    public void Panels_have_unique_ids_fit_the_grid_and_each_target_a_unique_refId()
    {
        Assert.False(string.IsNullOrWhiteSpace((string?)Dashboard["title"]));
        Assert.False(string.IsNullOrWhiteSpace((string?)Dashboard["uid"]));
        Assert.True((int?)Dashboard["schemaVersion"] >= 36, "schemaVersion must be one Grafana 9+ reads");
        var panels = Dashboard["panels"]!.AsArray().Select(p => p!.AsObject()).ToList();
        Assert.Equal(panels.Count, panels.Select(p => (int)p["id"]!).Distinct().Count());
        foreach (var panel in panels)
        {
            var grid = panel["gridPos"]!;
            Assert.True((int)grid["x"]! >= 0 && (int)grid["x"]! + (int)grid["w"]! <= 24, $"panel {panel["id"]} does not fit the 24-column grid");
            var refIds = panel["targets"]?.AsArray().Select(t => (string)t!["refId"]!).ToList() ?? [];
            Assert.Equal(refIds.Count, refIds.Distinct().Count());
            if ((string?)panel["type"] != "row")
            {
                Assert.NotEmpty(refIds);
                Assert.False(string.IsNullOrWhiteSpace((string?)panel["description"]), $"panel {panel["title"]} needs a description naming its metric");
            }
        }
    }

    [Fact]
    public async Task Every_query_parses_as_promql_checked_by_promtool_as_a_recording_rule()
    {
        var queries = MonitoringFiles.DashboardQueries(Dashboard);
        Assert.True(queries.Count >= 20, $"expected the dashboard's queries, found {queries.Count}");
        var directory = Directory.CreateTempSubdirectory("scout-dashboard-rules-");
        try
        {
            // JSON is YAML: one recording rule per query, named after its panel and target.
            var rules = new JsonArray([.. queries.Select((q, i) => (JsonNode)new JsonObject
            {
                ["record"] = $"scout_dashboard:query_{i}",
                ["expr"] = MonitoringFiles.AsPrometheusReceivesIt(q.Expr),
            })]);
            var file = new JsonObject { ["groups"] = new JsonArray(new JsonObject { ["name"] = "scout-dashboard", ["rules"] = rules }) };
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "dashboard.rules.json"), file.ToJsonString());

            var (exitCode, output) = await Promtool.RunAsync(directory.FullName, "check", "rules", "dashboard.rules.json");

            var where = string.Join("\n", queries.Select((q, i) => $"scout_dashboard:query_{i} = {q.Where}: {q.Expr}"));
            Assert.True(exitCode == 0, $"promtool rejects a dashboard query:\n{output}\n{where}");
            Assert.Contains($"SUCCESS: {queries.Count} rules found", output);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_dashboard_covers_what_the_issue_lists()
    {
        var used = MonitoringFiles.DashboardQueries(Dashboard).SelectMany(q => MonitoringFiles.MetricNames(q.Expr)).ToHashSet();
        string[] expected =
        [
            // message volume and severity mix, top systems, alert counts
            "homerun2_scout_messages_total", "homerun2_scout_severity_count", "homerun2_scout_system_message_count",
            "homerun2_scout_alert_count", "homerun2_scout_top_alerting_system_count",
            // aggregation duration and failures, snapshot age, timer outcomes
            "homerun2_scout_aggregation_duration_seconds_bucket", "homerun2_scout_aggregation_errors_total",
            "homerun2_scout_snapshot_age_seconds", "homerun2_scout_function_invocations_total",
            // alert deliveries and suppressions, retention deletes and unparseable timestamps
            "homerun2_scout_alerts_sent_total", "homerun2_scout_alerts_failed_total", "homerun2_scout_alerts_suppressed_total",
            "homerun2_scout_retention_deleted_total", "homerun2_scout_retention_unparseable_total",
            // HTTP rate, errors, latency; process memory
            "http_requests_received_total", "http_request_duration_seconds_bucket", "process_working_set_bytes",
        ];
        var missing = expected.Where(name => !used.Contains(name)).ToList();
        Assert.True(missing.Count == 0, $"no panel reads {string.Join(", ", missing)}");
    }
}
