using System.Globalization;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Search;
using Scout.Tests.Unit.Search;

namespace Scout.Tests.Unit.Analytics;

public sealed class SnapshotBuilderTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 11, 12, 0, 0, TimeSpan.Zero);
    private static readonly AnalyticsWindow FiveMinutes = new("5m", TimeSpan.FromMinutes(5));
    private static readonly AnalyticsWindow OneHour = new("1h", TimeSpan.FromHours(1));
    private static readonly AnalyticsWindow OneDay = new("24h", TimeSpan.FromHours(24));
    private static readonly WindowPlan NoWindows = new([], Now);

    private static AnalyticsSnapshot All(IReadOnlyList<WindowedCount> counts) =>
        Assert.Single(SnapshotBuilder.Build(counts, NoWindows, TimeSpan.Zero));

    private static WindowedCount Count(string system, long count, string severity = "info", int bucket = 0) =>
        new(severity, system, bucket, count);

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
    public void A_system_is_ranked_by_its_count_summed_over_severities_and_buckets()
    {
        var counts = new List<WindowedCount>
        {
            Count("auth", 5, "info", 0), Count("auth", 5, "error", 1), Count("auth", 5, "critical", 2),
            Count("api-gateway", 12, "info", 0),
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
        var counts = new List<WindowedCount>();
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
        var counts = new List<WindowedCount>
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
    public void Each_snapshot_carries_its_window_the_plan_time_and_the_cycle_duration()
    {
        var plan = new WindowPlan([OneHour, OneDay], Now);
        var snapshots = SnapshotBuilder.Build([Count("auth", 1, bucket: 2)], plan, TimeSpan.FromMilliseconds(1250));

        Assert.Equal(["all", "1h", "24h"], snapshots.Select(s => s.Window));
        Assert.All(snapshots, s => Assert.Equal((Now, 1.25), (s.GeneratedAt, s.CycleDurationSeconds)));
    }

    [Fact]
    public void Window_buckets_decide_which_windows_count_a_message()
    {
        // Bucket = how many cut-offs the timestamp is at or after: 3 = last 5 minutes, 0 = older than a day (or unparseable).
        var plan = new WindowPlan([FiveMinutes, OneHour, OneDay], Now);
        var counts = new List<WindowedCount>
        {
            Count("auth", 1, "error", bucket: 3), Count("auth", 10, "error", bucket: 2),
            Count("auth", 100, "info", bucket: 1), Count("billing", 1000, "info", bucket: 0),
        };

        var byWindow = SnapshotBuilder.Build(counts, plan, TimeSpan.Zero).ToDictionary(s => s.Window);

        Assert.Equal(1111, byWindow["all"].TotalMessages);
        Assert.Equal(1, byWindow["5m"].TotalMessages);
        Assert.Equal(11, byWindow["1h"].TotalMessages);
        Assert.Equal(111, byWindow["24h"].TotalMessages);
        Assert.Equal(11, byWindow["1h"].Alerts.TotalAlerts);
        Assert.Equal(["auth"], byWindow["24h"].Systems.Select(s => s.System));
        Assert.Equal(2, byWindow["all"].SystemsTotal);
    }

    [Theory]
    [InlineData(3, new[] { true, true, true })]
    [InlineData(2, new[] { false, true, true })]
    [InlineData(1, new[] { false, false, true })]
    [InlineData(0, new[] { false, false, false })]
    public void Window_plan_contains_a_bucket_in_the_windows_it_reaches(int bucket, bool[] inWindow)
    {
        var plan = new WindowPlan([FiveMinutes, OneHour, OneDay], Now);
        Assert.Equal(inWindow, Enumerable.Range(0, 3).Select(i => plan.Contains(bucket, i)));
    }

    [Fact]
    public void Window_plan_cut_offs_are_now_minus_each_window_in_window_order()
    {
        var plan = new WindowPlan([FiveMinutes, OneHour, OneDay], Now);
        Assert.Equal([Now.AddMinutes(-5).ToUnixTimeSeconds(), Now.AddHours(-1).ToUnixTimeSeconds(), Now.AddDays(-1).ToUnixTimeSeconds()], plan.Cutoffs);
    }

    [Fact]
    public void Buckets_computed_like_the_query_give_the_windows_the_engine_filtered()
    {
        // Bucket every recorded document as the APPLY expression does, then compare each window with the
        // recorded per-window queries RediSearch answered with FILTER / numeric ranges.
        var plan = new WindowPlan([OneHour, OneDay], RecordedCases.ReferenceNow);
        var counts = RecordedCases.Root.GetProperty("documents").EnumerateArray()
            .Select(d => new WindowedCount(
                d.GetProperty("severity").GetString()!.ToLowerInvariant(),
                d.GetProperty("system").GetString()!,
                plan.Cutoffs.Count(c => d.GetProperty("unix").GetInt64() >= c),
                1))
            .ToList();

        var byWindow = SnapshotBuilder.Build(counts, plan, TimeSpan.Zero).ToDictionary(s => s.Window);

        var oneHour = RecordedRows("window_1h_parsetime", "severity", lower: true);
        Assert.Equal(oneHour.OrderBy(e => e.Key), byWindow["1h"].SeverityCounts.OrderBy(e => e.Key));
        var oneDay = RecordedRows("window_24h_numeric_range", "system", lower: false);
        Assert.Equal(oneDay.OrderBy(e => e.Key), byWindow["24h"].Systems.ToDictionary(s => s.System, s => s.Count).OrderBy(e => e.Key));
    }

    private static Dictionary<string, long> RecordedRows(string name, string field, bool lower)
    {
        var sums = new Dictionary<string, long>();
        foreach (var row in RecordedCases.Reply(name, "resp2").EnumerateArray().Skip(1))
        {
            var fields = row.EnumerateArray().Select(f => f.GetString()!).Chunk(2).ToDictionary(p => p[0], p => p[1]);
            var key = lower ? fields[field].ToLowerInvariant() : fields[field];
            sums[key] = sums.GetValueOrDefault(key) + long.Parse(fields["count"], CultureInfo.InvariantCulture);
        }
        return sums;
    }
}
