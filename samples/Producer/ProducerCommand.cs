using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Scout.Samples.Producer;

/// <summary>
/// The producer's command line: its options, their defaults and descriptions. System.CommandLine answers --help and
/// reports a bad argument before <paramref name="run"/> is called, so neither connects to Redis.
/// </summary>
public static class ProducerCommand
{
    /// <summary>What a span option accepts, for its description and its error.</summary>
    private const string SpanForms = "90, 90s, 30m or 24h";

    /// <param name="run">Writes with the options the command line gave; returns the exit code.</param>
    public static RootCommand Create(Func<ProducerOptions, Task<int>> run)
    {
        var rate = new Option<double>("--rate")
        {
            Description = "Messages per second after the backfill",
            DefaultValueFactory = _ => 20,
        };
        var systems = new Option<int>("--systems")
        {
            Description = "How many systems the messages come from (at most 12)",
            DefaultValueFactory = _ => 8,
        };
        var duration = new Option<TimeSpan?>("--duration")
        {
            Description = $"How long to write at --rate ({SpanForms}); without it, until Ctrl+C or SIGTERM",
            HelpName = "span",
            CustomParser = result => Span(result, "--duration"),
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the random systems and severities: the same seed writes the same sequence",
            DefaultValueFactory = _ => 1,
        };
        var backfill = new Option<int>("--backfill")
        {
            Description = "Messages written first, as fast as Redis takes them, dated over the past --backfill-span",
            DefaultValueFactory = _ => 0,
        };
        var backfillSpan = new Option<TimeSpan?>("--backfill-span")
        {
            // The default lives in SampleProducer; the description names it, as a null default shows nothing in help.
            Description = $"How far back the backfill's timestamps reach ({SpanForms}); 24h when left out, inside Scout's 48 h retention",
            HelpName = "span",
            CustomParser = result => Span(result, "--backfill-span"),
        };
        var command = new RootCommand(
            "Writes sample messages as the homerun2 producers do (a RedisJSON document, then its key on the stream) and prints " +
            "what it wrote when it stops. Redis from REDIS_ADDR, REDIS_PORT and REDIS_PASSWORD (default localhost:6379); " +
            "index and stream from REDISEARCH_INDEX and SCOUT_STREAM (default messages).")
        {
            rate, systems, duration, seed, backfill, backfillSpan,
        };
        command.SetAction(parsed => run(new ProducerOptions(
            Rate: parsed.GetValue(rate),
            Systems: parsed.GetValue(systems),
            Duration: parsed.GetValue(duration),
            Seed: parsed.GetValue(seed),
            Backfill: parsed.GetValue(backfill),
            BackfillSpan: parsed.GetValue(backfillSpan))));
        return command;
    }

    /// <summary>A span in seconds, minutes or hours (90, 90s, 30m, 24h); anything else is the option's parse error.</summary>
    private static TimeSpan? Span(ArgumentResult result, string option)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        var (number, unitSeconds) = text.Length == 0 ? ("", 0) : text[^1] switch
        {
            'h' => (text[..^1], 3600),
            'm' => (text[..^1], 60),
            's' => (text[..^1], 1),
            _ => (text, 1),
        };
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) &&
            value >= 0 && value * unitSeconds < TimeSpan.MaxValue.TotalSeconds)
            return TimeSpan.FromSeconds(value * unitSeconds);
        result.AddError($"{option} takes a span such as {SpanForms}, not '{text}'");
        return null;
    }
}
