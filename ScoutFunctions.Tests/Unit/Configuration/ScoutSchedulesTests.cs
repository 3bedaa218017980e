using FunctionsSelfHost.Settings;
using FunctionsSelfHost.Timers;
using Microsoft.Extensions.Configuration;
using Scout.Configuration;

namespace Scout.Tests.Unit.Configuration;

/// <summary>Scout's schedules: the Functions host's forms plus the Go service's durations (ScoutSchedules.Conventions).</summary>
public sealed class ScoutSchedulesTests
{
    // Wednesday, the fixtures' reference now.
    private static readonly DateTimeOffset Noon = new(2026, 3, 11, 12, 0, 0, TimeSpan.Zero);

    private static IConfiguration Settings(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();

    private static TimerSchedule Parse(string expression, params (string Key, string? Value)[] settings) =>
        ScoutSchedules.Conventions.Parse(expression, Settings(settings));

    private static DateTimeOffset At(int hour, int minute, int second = 0, int day = 11) =>
        new(2026, 3, day, hour, minute, second, TimeSpan.Zero);

    [Theory]
    [InlineData("0 */5 * * * *", 12, 1, 0, 12, 5, 0)]     // NCRONTAB with seconds, as Functions writes it
    [InlineData("*/10 * * * * *", 12, 0, 1, 12, 0, 10)]   // every 10 seconds
    [InlineData("30 0 * * * *", 12, 0, 30, 13, 0, 30)]    // the instant itself is not "next"
    [InlineData("*/5 * * * *", 12, 1, 0, 12, 5, 0)]       // classic 5-field cron, minute resolution
    [InlineData("0 * * * *", 12, 0, 0, 13, 0, 0)]
    [InlineData("15 14 * * *", 12, 0, 0, 14, 15, 0)]
    public void Cron_schedules_give_the_next_occurrence_after_an_instant(
        string expression, int h, int m, int s, int nextH, int nextM, int nextS)
    {
        var schedule = Parse(expression);
        Assert.IsType<CronTimerSchedule>(schedule);
        Assert.Equal(At(nextH, nextM, nextS), schedule.GetNext(At(h, m, s)));
        Assert.Equal(expression, schedule.ToString());
    }

    [Fact]
    public void Six_fields_are_read_with_seconds_first_and_five_fields_without()
    {
        // "5 * * * * *" is second 5 of every minute; "5 * * * *" is minute 5 of every hour.
        Assert.Equal(At(12, 0, 5), Parse("5 * * * * *").GetNext(Noon));
        Assert.Equal(At(12, 5), Parse("5 * * * *").GetNext(Noon));
    }

    [Fact]
    public void Weekday_cron_skips_the_weekend()
    {
        var friday = At(10, 0, day: 13);
        Assert.Equal(At(9, 30, day: 16), Parse("0 30 9 * * 1-5").GetNext(friday));
    }

    [Fact]
    public void Cron_is_evaluated_in_utc_whatever_the_offset_of_the_instant()
    {
        var tenInBerlinSummer = new DateTimeOffset(2026, 3, 11, 10, 0, 0, TimeSpan.FromHours(2)); // 08:00Z
        Assert.Equal(At(9, 0), Parse("0 0 9 * * *").GetNext(tenInBerlinSummer));
    }

    [Fact]
    public void Consecutive_cron_occurrences_advance()
    {
        var schedule = Parse("0 */15 * * * *");
        var first = schedule.GetNext(Noon);
        var second = schedule.GetNext(first);
        Assert.Equal((At(12, 15), At(12, 30)), (first, second));
    }

    [Theory]
    [InlineData("00:01:00", 60)]
    [InlineData("00:00:30", 30)]
    [InlineData("01:30:00", 5400)]
    [InlineData("1.00:00:00", 86400)]
    [InlineData("60s", 60)]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5h", 5400)]
    [InlineData("500ms", 0.5)]
    public void TimeSpan_and_go_duration_schedules_run_every_interval(string expression, double seconds)
    {
        var schedule = Assert.IsType<IntervalTimerSchedule>(Parse(expression));
        Assert.Equal(TimeSpan.FromSeconds(seconds), schedule.Interval);
        Assert.Equal(Noon + TimeSpan.FromSeconds(seconds), schedule.GetNext(Noon));
        Assert.Equal(expression, schedule.ToString());
    }

    [Fact]
    public void A_bare_number_is_refused_rather_than_read_as_days()
    {
        // TimeSpan.Parse("10") is ten days; an operator writing ALERT_SCHEDULE=10 means something else.
        var error = Assert.Throws<ConfigurationError>(() => Parse("%ALERT_SCHEDULE%", ("ALERT_SCHEDULE", "10")));
        Assert.Contains("ALERT_SCHEDULE=\"10\"", error.Message);
        Assert.Equal(TimeSpan.FromDays(10), Assert.IsType<IntervalTimerSchedule>(Parse("10.00:00:00")).Interval);
    }

    [Fact]
    public void Cron_fields_may_be_separated_by_tabs_or_several_spaces()
    {
        var schedule = Assert.IsType<CronTimerSchedule>(Parse("0\t*/5  * * * *"));
        var at = DateTimeOffset.Parse("2026-11-25T10:01:00Z");
        Assert.Equal(DateTimeOffset.Parse("2026-11-25T10:05:00Z"), schedule.GetNext(at));
    }

    [Fact]
    public void A_percent_setting_is_replaced_by_the_app_setting_it_names()
    {
        var interval = Assert.IsType<IntervalTimerSchedule>(Parse("%SCOUT_INTERVAL%", ("SCOUT_INTERVAL", " 60s ")));
        Assert.Equal(TimeSpan.FromSeconds(60), interval.Interval);

        var cron = Parse("%ALERT_SCHEDULE%", ("ALERT_SCHEDULE", "0 0 */6 * * *"));
        Assert.Equal(At(18, 0), cron.GetNext(Noon));
        Assert.Equal("0 0 */6 * * *", cron.ToString());
    }

    [Fact]
    public void A_missing_percent_setting_is_a_configuration_error_naming_the_setting()
    {
        var error = Assert.Throws<ConfigurationError>(() => Parse("%ALERT_SCHEDULE%", ("SCOUT_INTERVAL", "60s")));
        Assert.Equal("ALERT_SCHEDULE", error.Variable);
        Assert.Contains("ALERT_SCHEDULE", error.Message);
        Assert.Contains(TimerSchedule.AcceptedForm(ScoutSchedules.Conventions.ExtraInterval), error.Message);
    }

    [Fact]
    public void An_invalid_percent_setting_is_reported_under_the_setting_name_with_its_value()
    {
        var error = Assert.Throws<ConfigurationError>(() => Parse("%SCOUT_RETENTION_SCHEDULE%", ("SCOUT_RETENTION_SCHEDULE", "hourly")));
        Assert.Equal("SCOUT_RETENTION_SCHEDULE", error.Variable);
        Assert.StartsWith("invalid configuration: SCOUT_RETENTION_SCHEDULE=\"hourly\": expected ", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("%%")]
    [InlineData("hourly")]
    [InlineData("every minute")]
    [InlineData("* * *")]                  // too few fields
    [InlineData("0 0 */5 * * * *")]        // seven fields
    [InlineData("99 * * * * *")]           // second out of range
    [InlineData("0 61 * * * *")]
    [InlineData("0 25 * * *")]             // hour out of range
    [InlineData("00:00:00")]               // an interval must be positive
    [InlineData("-00:01:00")]
    [InlineData("0s")]
    [InlineData("-60s")]
    [InlineData("1d")]
    public void Invalid_expressions_are_configuration_errors_with_the_accepted_form(string expression)
    {
        var error = Assert.Throws<ConfigurationError>(() => Parse(expression));
        Assert.Equal("schedule", error.Variable);
        Assert.Contains(TimerSchedule.AcceptedForm(ScoutSchedules.Conventions.ExtraInterval), error.Message);
    }

    [Fact]
    public void A_cron_that_never_fires_again_gives_no_next_occurrence()
    {
        // 30 February never comes: the host must not spin on it.
        Assert.Equal(DateTimeOffset.MaxValue, Parse("0 0 0 30 2 *").GetNext(Noon));
    }

    [Fact]
    public void Without_any_setting_the_interval_schedules_refer_to_is_ScoutOptions_default()
    {
        var directory = Directory.CreateTempSubdirectory("scout-schedules-").FullName;
        try
        {
            var settings = new ConfigurationManager();
            settings.AddAppSettingFiles(directory, ScoutSchedules.SettingDefaults);
            Assert.Equal(new ScoutOptions().IntervalText, settings["SCOUT_INTERVAL"]);
            // ALERT_SCHEDULE unset follows SCOUT_INTERVAL, unset too: the default.
            var effective = ScoutSchedules.Conventions.EffectiveSchedule("%ALERT_SCHEDULE%", settings);
            Assert.Equal("%SCOUT_INTERVAL%", effective);
            var interval = Assert.IsType<IntervalTimerSchedule>(ScoutSchedules.Conventions.Parse(effective, settings));
            Assert.Equal(new ScoutOptions().Interval, interval.Interval);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
