using Scout.Configuration;

namespace Scout.Tests.Unit.Configuration;

public sealed class GoDurationTests
{
    public static TheoryData<string, TimeSpan> ValidDurations => new()
    {
        { "10s", TimeSpan.FromSeconds(10) },
        { "60s", TimeSpan.FromMinutes(1) },
        { "5m", TimeSpan.FromMinutes(5) },
        { "1h30m", TimeSpan.FromMinutes(90) },
        { "48h", TimeSpan.FromHours(48) },
        { "1.5h", TimeSpan.FromMinutes(90) },
        { ".5s", TimeSpan.FromMilliseconds(500) },
        { "500ms", TimeSpan.FromMilliseconds(500) },
        { "250ms", TimeSpan.FromMilliseconds(250) },
        { "1h2m3s4ms", new TimeSpan(0, 1, 2, 3, 4) },
        { "2us", TimeSpan.FromTicks(20) },
        { "2µs", TimeSpan.FromTicks(20) },
        { "300ns", TimeSpan.FromTicks(3) },
        { "+5s", TimeSpan.FromSeconds(5) },
        { "-5s", TimeSpan.FromSeconds(-5) },
        { "-1h30m", TimeSpan.FromMinutes(-90) },
        { " 30s ", TimeSpan.FromSeconds(30) },
    };

    [Theory]
    [MemberData(nameof(ValidDurations))]
    public void Go_duration_syntax_parses_to_the_same_length_as_go(string text, TimeSpan expected)
    {
        Assert.True(GoDuration.TryParse(text, out var value));
        Assert.Equal(expected, value);
        Assert.Equal(expected, GoDuration.Parse(text));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("+0")]
    [InlineData("0s")]
    [InlineData("0h0m")]
    [InlineData("0.0ms")]
    public void Zero_is_accepted_bare_or_with_units(string text)
    {
        Assert.True(GoDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.Zero, value);
    }

    [Theory]
    [InlineData("10")]        // Go requires a unit except for a bare 0
    [InlineData("1d")]        // no day unit in Go
    [InlineData("1w")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("-")]
    [InlineData("+")]
    [InlineData("s")]
    [InlineData(".")]
    [InlineData(".s")]
    [InlineData("1..5s")]
    [InlineData("1h 30m")]
    [InlineData("1e3s")]
    [InlineData("5S")]        // units are case-sensitive, as in Go
    [InlineData("5sec")]
    [InlineData("abc")]
    [InlineData("00:01:00")]  // a TimeSpan, not a Go duration
    [InlineData("99999999999h")]
    public void Anything_else_is_rejected(string? text)
    {
        Assert.False(GoDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.Zero, value);
    }

    [Fact]
    public void Parse_names_the_bad_value_and_the_accepted_form()
    {
        var error = Assert.Throws<FormatException>(() => GoDuration.Parse("1d"));
        Assert.Contains("\"1d\"", error.Message);
        Assert.Contains(GoDuration.AcceptedForm, error.Message);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(5 * 60_000, "5m0s")]
    [InlineData(90 * 60_000, "1h30m0s")]
    [InlineData(48 * 3_600_000, "48h0m0s")]
    [InlineData(1_500, "1.5s")]
    [InlineData(500, "500ms")]
    [InlineData(3_600_000 + 1_000, "1h0m1s")]
    [InlineData(26 * 3_600_000 + 3 * 60_000 + 4_500, "26h3m4.5s")]
    [InlineData(-5_000, "-5s")]
    public void Format_writes_what_go_duration_string_writes(long milliseconds, string expected)
    {
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Theory]
    [InlineData(1, "100ns")]            // one tick, TimeSpan's resolution
    [InlineData(5, "500ns")]
    [InlineData(10, "1µs")]
    [InlineData(5_000, "500µs")]
    [InlineData(12_345, "1.2345ms")]
    [InlineData(15_000, "1.5ms")]
    [InlineData(10_005_000, "1.0005s")]
    [InlineData(12_345_678_901, "20m34.5678901s")]
    [InlineData(-5_000, "-500µs")]
    public void Format_picks_the_unit_and_keeps_the_fraction_like_go_below_a_millisecond_and_beyond(long ticks, string expected)
    {
        // Go: below 1s the largest of ns, µs, ms that fits, fractions without trailing zeros.
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromTicks(ticks)));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(7L)]
    [InlineData(12_345L)]
    [InlineData(10_005_001L)]
    [InlineData(864_000_000_001L)]
    [InlineData(-3L)]
    public void Format_round_trips_every_tick(long ticks)
    {
        var value = TimeSpan.FromTicks(ticks);
        Assert.Equal(value, GoDuration.Parse(GoDuration.Format(value)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(999)]
    [InlineData(1_001)]
    [InlineData(59_999)]
    [InlineData(3_600_000)]
    [InlineData(172_800_000)]
    [InlineData(123_456_789)]
    [InlineData(-90_000)]
    public void Format_round_trips_through_parse(long milliseconds)
    {
        var value = TimeSpan.FromMilliseconds(milliseconds);
        Assert.Equal(value, GoDuration.Parse(GoDuration.Format(value)));
    }
}
