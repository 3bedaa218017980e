using Scout.Analytics;
using Scout.Configuration;
using Scout.Counting;

namespace Scout.Tests.Unit.Analytics;

public sealed class TimelineTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 11, 12, 0, 30, TimeSpan.Zero);
    private static readonly AnalyticsWindow Hour = new("1h", TimeSpan.FromHours(1));
    private static readonly AnalyticsWindow Day = new("24h", TimeSpan.FromDays(1));

    private static string Group(string severity, string system) => severity + MessageRecord.Separator + system;

    private static TimelineSnapshot Snapshot(params (int MinutesAgo, string Group, long Count)[] counts)
    {
        var now = MessageRecord.MinuteOf(At);
        var minutes = counts.GroupBy(c => now - c.MinutesAgo)
            .ToDictionary(g => g.Key, g => g.GroupBy(c => c.Group).ToDictionary(c => c.Key, c => c.Sum(x => x.Count)));
        return Timeline.Build(At, CountingModel.StartsAt([Hour, Day], At), minutes);
    }

    [Fact]
    public void Build_sums_groups_by_severity_and_leaves_out_empty_minutes()
    {
        var snapshot = Snapshot((1, Group("error", "a"), 2), (1, Group("error", "b"), 3), (1, Group("info", "a"), 1), (2, Group("info", "a"), 0));
        var minute = Assert.Single(snapshot.Minutes);
        Assert.Equal(5, minute.SeverityCounts["error"]);
        Assert.Equal(1, minute.SeverityCounts["info"]);
    }

    [Fact]
    public void Slice_has_one_point_per_step_empty_ones_included_future_ones_in_the_last()
    {
        var snapshot = Snapshot((59, Group("error", "a"), 1), (30, Group("info", "a"), 2), (0, Group("info", "a"), 1),
            (-5, Group("warning", "a"), 4), (61, Group("critical", "a"), 9));
        var view = Timeline.Slice(snapshot, "1h", 15);

        Assert.Equal("15m", view.Step);
        Assert.Equal("2026-03-11T11:00:00Z", view.WindowStart);
        Assert.Equal(["2026-03-11T11:00:00Z", "2026-03-11T11:15:00Z", "2026-03-11T11:30:00Z", "2026-03-11T11:45:00Z", "2026-03-11T12:00:00Z"],
            view.Points.Select(p => p.Start));
        Assert.Equal([1L, 0, 2, 0, 5], view.Points.Select(p => p.Total));
        Assert.Empty(view.Points[1].SeverityCounts);
        Assert.Equal(4, view.Points[^1].SeverityCounts["warning"]);
        // Before the window's start (61 minutes ago): in the 24h window only.
        Assert.Equal(9, Timeline.Slice(snapshot, "24h", 60).Points.Sum(p => p.SeverityCounts.GetValueOrDefault("critical")));
    }

    [Theory]
    [InlineData(null, 1)]
    [InlineData("", 1)]
    [InlineData("5m", 5)]
    [InlineData("1h", 60)]
    [InlineData("60m", 60)]
    public void Steps_of_whole_minutes_up_to_the_window_are_served(string? step, int minutes)
    {
        Assert.True(Timeline.TryStep(step, Hour, out var served, out var error), error);
        Assert.Equal(minutes, served);
    }

    [Theory]
    [InlineData("90s", "not a whole number of minutes")]
    [InlineData("1.5m", "not a whole number of minutes")]
    [InlineData("0s", "not positive")]
    [InlineData("-1m", "not positive")]
    [InlineData("5", "not a Go duration")]
    [InlineData("61m", "longer than the window")]
    public void Other_steps_are_refused_with_why_and_the_accepted_forms(string step, string why)
    {
        Assert.False(Timeline.TryStep(step, Hour, out _, out var error));
        Assert.Contains(why, error);
        Assert.Contains("step must be a Go duration of whole minutes", error);
        Assert.Contains("from 1m to 1h", error);
    }

    [Fact]
    public void At_most_1440_points_a_day_needs_two_minutes()
    {
        Assert.Equal(24, Timeline.DefaultStep(Day));
        Assert.False(Timeline.TryStep("1m", Day, out _, out var error));
        Assert.Contains("gives 1441 points", error);
        Assert.Contains("from 2m to 24h", error);
        Assert.True(Timeline.TryStep("2m", Day, out var step, out _));
        Assert.Equal(2, step);
    }
}
