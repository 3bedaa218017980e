using Scout.Analytics;

namespace Scout.Tests.Unit.Analytics;

public sealed class SnapshotBuilderTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 11, 12, 0, 0, TimeSpan.Zero);

    private static AnalyticsSnapshot All(IReadOnlyList<GroupCount> counts) =>
        SnapshotBuilder.BuildWindow("all", counts, Now, TimeSpan.Zero);

    private static GroupCount Count(string system, long count, string severity = "info") => new(severity, system, count);

    [Fact]
    public void Systems_are_capped_at_the_top_20_while_the_total_counts_every_system()
    {
        // system-01 has 1 message ... system-25 has 25.
        var counts = Enumerable.Range(1, 25).Select(i => Count($"system-{i:00}", i)).Reverse().ToList();

        var all = All(counts);

        Assert.Equal(20, all.Systems.Count);
        Assert.Equal(25, all.SystemsTotal);
        Assert.Equal(Enumerable.Range(6, 20).Reverse().Select(i => $"system-{i:00}"), all.Systems.Select(s => s.System));
        Assert.Equal(Enumerable.Range(6, 20).Reverse().Select(i => (long)i), all.Systems.Select(s => s.Count));
    }

    [Fact]
    public void A_system_is_ranked_by_its_count_summed_over_severities()
    {
        var counts = new List<GroupCount>
        {
            Count("auth", 5, "info"), Count("auth", 5, "error"), Count("auth", 5, "critical"),
            Count("api-gateway", 12, "info"),
        };

        var all = All(counts);

        Assert.Equal([new SystemCount("auth", 15), new SystemCount("api-gateway", 12)], all.Systems);
    }

    [Fact]
    public void Equal_counts_are_ordered_by_name_whatever_the_input_order()
    {
        var names = new[] { "worker-pool", "Edge Proxy", "auth", "billing", "api-gateway", "Zeta" };
        var forward = All(names.Select(n => Count(n, 7)).ToList());
        var backward = All(names.Reverse().Select(n => Count(n, 7)).ToList());

        // Ordinal order: upper case sorts before lower case.
        Assert.Equal(["Edge Proxy", "Zeta", "api-gateway", "auth", "billing", "worker-pool"], forward.Systems.Select(s => s.System));
        Assert.Equal(forward.Systems, backward.Systems);
    }

    [Fact]
    public void A_tie_at_the_cap_is_decided_by_name_so_replicas_agree()
    {
        var counts = Enumerable.Range(0, 22).Select(i => Count($"s{i:00}", 3)).OrderBy(_ => Guid.NewGuid()).ToList();

        var all = All(counts);

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"s{i:00}"), all.Systems.Select(s => s.System));
        Assert.Equal(22, all.SystemsTotal);
    }

    [Fact]
    public void Alerting_systems_are_the_top_10_by_error_and_critical_count_only()
    {
        var counts = new List<GroupCount>();
        for (var i = 1; i <= 12; i++)
        {
            counts.Add(Count($"alerting-{i:00}", i, "error"));
            counts.Add(Count($"alerting-{i:00}", 1, "critical"));
            counts.Add(Count($"alerting-{i:00}", 100 - i, "info")); // many infos must not change the alert ranking
        }
        counts.Add(Count("quiet", 10_000, "warning"));

        var alerts = All(counts).Alerts;

        Assert.Equal(10, alerts.TopSystems.Count);
        Assert.Equal(Enumerable.Range(3, 10).Reverse().Select(i => new SystemCount($"alerting-{i:00}", i + 1)), alerts.TopSystems);
        Assert.DoesNotContain(alerts.TopSystems, s => s.System == "quiet");
    }

    [Fact]
    public void Error_and_critical_are_always_present_in_the_alert_severities()
    {
        var noAlerts = All([Count("auth", 5, "info"), Count("auth", 2, "warning")]).Alerts;
        Assert.Equal(new Dictionary<string, long> { ["error"] = 0, ["critical"] = 0 }, noAlerts.SeverityCounts);
        Assert.Equal(0, noAlerts.TotalAlerts);
        Assert.Empty(noAlerts.TopSystems);

        var onlyCritical = All([Count("auth", 4, "critical")]).Alerts;
        Assert.Equal(new Dictionary<string, long> { ["error"] = 0, ["critical"] = 4 }, onlyCritical.SeverityCounts);

        var empty = All([]);
        Assert.Equal(["critical", "error"], empty.Alerts.SeverityCounts.Keys.Order());
    }

    [Fact]
    public void Totals_add_up_per_severity_and_overall()
    {
        var counts = new List<GroupCount>
        {
            Count("auth", 3, "error"), Count("billing", 4, "error"), Count("auth", 5, "critical"),
            Count("auth", 6, "info"), Count("billing", 7, "warning"), Count("billing", 1, "success"),
        };

        var all = All(counts);

        Assert.Equal(26, all.TotalMessages);
        Assert.Equal(new Dictionary<string, long> { ["error"] = 7, ["critical"] = 5, ["info"] = 6, ["warning"] = 7, ["success"] = 1 }, all.SeverityCounts);
        Assert.Equal(12, all.Alerts.TotalAlerts);
        Assert.Equal([new SystemCount("auth", 8), new SystemCount("billing", 4)], all.Alerts.TopSystems);
        Assert.Equal(2, all.SystemsTotal);
    }

    [Fact]
    public void A_snapshot_carries_its_window_the_cycle_time_and_its_duration()
    {
        var snapshot = SnapshotBuilder.BuildWindow("1h", [Count("auth", 1)], Now, TimeSpan.FromMilliseconds(1250));

        Assert.Equal(("1h", Now, 1.25), (snapshot.Window, snapshot.GeneratedAt, snapshot.CycleDurationSeconds));
    }
}
