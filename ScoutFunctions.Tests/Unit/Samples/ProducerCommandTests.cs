using System.CommandLine;
using Scout.Samples.Producer;

namespace Scout.Tests.Unit.Samples;

/// <summary>The sample producer's command line keeps the options and defaults the README and compose.yaml use.</summary>
public sealed class ProducerCommandTests
{
    [Fact]
    public async Task Without_arguments_it_runs_with_the_documented_defaults()
    {
        var options = await ParseAsync();
        Assert.Equal(new ProducerOptions(Rate: 20, Systems: 8, Duration: null, Seed: 1, Backfill: 0, BackfillSpan: null), options);
    }

    [Fact]
    public async Task Every_option_reaches_the_producer()
    {
        var options = await ParseAsync("--rate", "5", "--systems", "3", "--duration", "30s", "--seed", "7", "--backfill", "2000",
            "--backfill-span", "24h");
        Assert.Equal(new ProducerOptions(Rate: 5, Systems: 3, Duration: TimeSpan.FromSeconds(30), Seed: 7, Backfill: 2000,
            BackfillSpan: TimeSpan.FromHours(24)), options);
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("1.5h", 5400)]
    [InlineData("0s", 0)]
    public async Task A_span_is_seconds_minutes_or_hours(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), (await ParseAsync("--duration", text))!.Duration);

    [Theory]
    [InlineData("--duration", "5x")]
    [InlineData("--duration", "-5s")]
    [InlineData("--backfill-span", "h")]
    [InlineData("--rate", "fast")]
    public void A_bad_value_is_a_parse_error_naming_the_option(string option, string value)
    {
        var parsed = ProducerCommand.Create(_ => Task.FromResult(0)).Parse([option, value]);
        var error = Assert.Single(parsed.Errors);
        Assert.Contains(option, error.Message);
        Assert.Contains($"'{value}'", error.Message);
    }

    /// <summary>The options the command hands the producer, or null when it did not run it.</summary>
    private static async Task<ProducerOptions?> ParseAsync(params string[] arguments)
    {
        ProducerOptions? given = null;
        var command = ProducerCommand.Create(options =>
        {
            given = options;
            return Task.FromResult(0);
        });
        Assert.Equal(0, await command.Parse(arguments).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }));
        return given;
    }
}
