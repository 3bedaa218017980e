using FunctionsSelfHost.Settings;
using FunctionsSelfHost.Timers;
using Microsoft.Extensions.Configuration;

namespace FunctionsSelfHost.Tests.Timers;

/// <summary>The Functions host's schedule forms, and an app's extra interval form only where it gives one.</summary>
public sealed class TimerScheduleTests
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 11, 12, 0, 0, TimeSpan.Zero);

    private static IConfiguration Settings(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Without_an_app_form_only_ncrontab_and_timespan_are_accepted()
    {
        Assert.Equal(Noon.AddMinutes(5), TimerSchedule.Parse("0 */5 * * * *", Settings()).GetNext(Noon));
        Assert.Equal(Noon.AddSeconds(90), TimerSchedule.Parse("%EVERY%", Settings(("EVERY", "00:01:30"))).GetNext(Noon));
        var error = Assert.Throws<ConfigurationError>(() => TimerSchedule.Parse("%EVERY%", Settings(("EVERY", "1s"))));
        Assert.Equal("invalid configuration: EVERY=\"1s\": expected an NCRONTAB expression with seconds (0 */5 * * * *) or a TimeSpan (00:01:00)",
            error.Message);
    }

    [Fact]
    public void An_apps_form_is_accepted_and_named_in_errors()
    {
        Assert.Equal(Noon.AddSeconds(3), TestConventions.Schedules.Parse("3s", Settings()).GetNext(Noon));
        var error = Assert.Throws<ConfigurationError>(() => TestConventions.Schedules.Parse("soon", Settings()));
        Assert.EndsWith("or whole seconds, minutes or hours (1s, 5m, 1h)", error.Message);
    }

    [Fact]
    public void A_fallback_setting_stands_in_for_an_unset_or_empty_one()
    {
        var conventions = new ScheduleConventions(new Dictionary<string, string> { ["ALERTS"] = "INTERVAL" });
        Assert.Equal("%INTERVAL%", conventions.EffectiveSchedule("%ALERTS%", Settings(("ALERTS", " "))));
        Assert.Equal("%ALERTS%", conventions.EffectiveSchedule("%ALERTS%", Settings(("ALERTS", "00:00:05"))));
        Assert.Equal("%OTHER%", conventions.EffectiveSchedule("%OTHER%", Settings()));
    }
}
