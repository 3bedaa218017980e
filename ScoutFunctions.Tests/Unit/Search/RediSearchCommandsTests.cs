using System.Globalization;
using System.Text.RegularExpressions;
using Scout.Configuration;
using Scout.Search;

namespace Scout.Tests.Unit.Search;

public sealed class RediSearchCommandsTests
{
    private static readonly IndexDefinition TextIndex = new("messages", IndexKeyType.Json, TimestampKind.Text);
    private static readonly IndexDefinition NumericIndex = new("messages_num", IndexKeyType.Hash, TimestampKind.Numeric);
    private static readonly TimeSpan RecordedTimeout = TimeSpan.FromSeconds(30); // every recorded case used TIMEOUT 30000

    private static readonly AnalyticsWindow OneHour = new("1h", TimeSpan.FromHours(1));
    private static readonly AnalyticsWindow OneDay = new("24h", TimeSpan.FromHours(24));

    private static string[] Sent(SearchCommand command)
    {
        // Every argument goes to Redis as text; anything else would be formatted by the client, not by us.
        Assert.All(command.Args, a => Assert.IsType<string>(a));
        string[] sent = [command.Name, .. command.Args.Cast<string>()];
        if (command.Name is not ("FT.SEARCH" or "FT.AGGREGATE")) return sent;
        // Every query names its dialect last; the recordings were made without one (dialect 1, the engine's default),
        // and the contract suite runs the queries as sent on the real engine.
        Assert.Equal(["DIALECT", "2"], sent[^2..]);
        return sent[..^2];
    }

    private static string After(string[] command, string keyword, int offset = 1) =>
        command[Array.IndexOf(command, keyword) + offset];

    // The cut-offs of the recorded 1h and 24h window cases (same reference now).
    private static long RecordedOneHourCutoff() =>
        long.Parse(Regex.Match(After(RecordedCases.Command("window_1h_parsetime"), "FILTER"), @"@ts >= (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);

    private static long RecordedOneDayCutoff() =>
        long.Parse(Regex.Match(RecordedCases.Command("window_24h_numeric_range")[2], @"\[(\d+) \+inf\]").Groups[1].Value, CultureInfo.InvariantCulture);

    [Fact]
    public void Info_is_the_recorded_ft_info()
    {
        Assert.Equal(RecordedCases.Command("info_text_index"), Sent(RediSearchCommands.Info("messages")));
        Assert.Equal(RecordedCases.Command("info_numeric_index"), Sent(RediSearchCommands.Info("messages_num")));
        Assert.Equal(RecordedCases.Command("info_missing_index"), Sent(RediSearchCommands.Info("nosuchindex")));
    }

    [Fact]
    public void Expired_keys_on_text_timestamps_is_exactly_the_recorded_cursor_query()
    {
        var recorded = RecordedCases.Command("expired_keys_cursor_first");
        var cutoff = long.Parse(Regex.Match(After(recorded, "FILTER"), @"@ts < (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        var pageSize = int.Parse(After(recorded, "COUNT"), CultureInfo.InvariantCulture);

        Assert.Equal(recorded, Sent(RediSearchCommands.ExpiredKeys(TextIndex, cutoff, RecordedTimeout, pageSize)));
    }

    [Fact]
    public void Expired_keys_on_numeric_timestamps_uses_the_recorded_exclusive_numeric_range()
    {
        var recordedQuery = RecordedCases.Command("search_numeric_expired")[2]; // @timestamp:[-inf (cutoff]
        var cutoff = long.Parse(Regex.Match(recordedQuery, @"\((\d+)\]").Groups[1].Value, CultureInfo.InvariantCulture);

        var sent = Sent(RediSearchCommands.ExpiredKeys(NumericIndex, cutoff, RecordedTimeout, 1000));

        Assert.Equal(["FT.AGGREGATE", "messages_num", recordedQuery], sent[..3]);
        Assert.DoesNotContain(sent, a => a.Contains("parsetime"));
        Assert.DoesNotContain("FILTER", sent);
        Assert.Equal(["LOAD", "2", "@__key", "@timestamp"], sent[3..7]);
        Assert.Equal(["WITHCURSOR", "COUNT", "1000", "TIMEOUT", "30000"], sent[^5..]);
    }

    [Fact]
    public void Cursor_read_is_the_recorded_read_with_the_id_from_the_first_page()
    {
        var recorded = RecordedCases.Command("expired_keys_cursor_next");
        var cursorId = RecordedCases.Reply("expired_keys_cursor_first", "resp2")[1].GetInt64();
        recorded[Array.FindIndex(recorded, a => a.StartsWith('<'))] = cursorId.ToString(CultureInfo.InvariantCulture);
        var pageSize = int.Parse(After(recorded, "COUNT"), CultureInfo.InvariantCulture);

        Assert.Equal(recorded, Sent(RediSearchCommands.CursorRead("messages", cursorId, pageSize)));
        Assert.Equal(["FT.CURSOR", "READ", "messages", "7", "COUNT", RediSearchCommands.CursorPageSize.ToString(CultureInfo.InvariantCulture)],
            Sent(RediSearchCommands.CursorRead("messages", 7)));
        Assert.Equal(["FT.CURSOR", "DEL", "messages", "7"], Sent(RediSearchCommands.CursorDelete("messages", 7)));
    }

    [Fact]
    public void Windowed_counts_on_text_timestamps_lower_severity_parse_time_and_bucket_in_one_cursor_query()
    {
        var plan = new WindowPlan([OneHour, OneDay], RecordedCases.ReferenceNow);
        var parsetime = After(RecordedCases.Command("window_1h_parsetime"), "APPLY");

        var sent = Sent(RediSearchCommands.WindowedCounts(TextIndex, plan, RecordedTimeout));

        Assert.Equal(
        [
            "FT.AGGREGATE", "messages", "*", "LOAD", "3", "@severity", "@system", "@timestamp",
            "APPLY", "lower(@severity)", "AS", "sev",
            "APPLY", parsetime, "AS", "ts",
            "APPLY", $"(@ts >= {RecordedOneHourCutoff()}) + (@ts >= {RecordedOneDayCutoff()})", "AS", "bucket",
            "GROUPBY", "3", "@sev", "@system", "@bucket",
            "REDUCE", "COUNT", "0", "AS", "count",
            "WITHCURSOR", "COUNT", "10000",
            "TIMEOUT", "30000",
        ], sent);
    }

    [Fact]
    public void Windowed_counts_on_numeric_timestamps_compare_the_number_directly()
    {
        var plan = new WindowPlan([OneHour, OneDay], RecordedCases.ReferenceNow);

        var sent = Sent(RediSearchCommands.WindowedCounts(NumericIndex, plan, RecordedTimeout));

        Assert.DoesNotContain(sent, a => a.Contains("parsetime"));
        Assert.Equal($"(@timestamp >= {RecordedOneHourCutoff()}) + (@timestamp >= {RecordedOneDayCutoff()})", After(sent, "bucket", -2));
        Assert.Equal(["GROUPBY", "3", "@sev", "@system", "@bucket"], sent.SkipWhile(a => a != "GROUPBY").Take(5));
    }

    [Fact]
    public void Bucket_terms_follow_the_window_order_shortest_window_first()
    {
        var fiveMinutes = new AnalyticsWindow("5m", TimeSpan.FromMinutes(5));
        var now = RecordedCases.ReferenceNow;
        var plan = new WindowPlan([fiveMinutes, OneHour, OneDay], now);

        var bucket = After(Sent(RediSearchCommands.WindowedCounts(TextIndex, plan, RecordedTimeout)), "bucket", -2);

        var cutoffs = Regex.Matches(bucket, @"\(@ts >= (\d+)\)").Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal([now.AddMinutes(-5).ToUnixTimeSeconds(), RecordedOneHourCutoff(), RecordedOneDayCutoff()], cutoffs);
        Assert.Equal("(@ts >= 1773230100) + (@ts >= 1773226800) + (@ts >= 1773144000)", bucket);
        // A document newer than every cut-off gets bucket 3 = Windows.Count and so is in every window.
        Assert.All(Enumerable.Range(0, 3), i => Assert.True(plan.Contains(3, i)));
    }

    [Fact]
    public void Without_windows_only_severity_and_system_are_grouped()
    {
        var sent = Sent(RediSearchCommands.WindowedCounts(TextIndex, new WindowPlan([], RecordedCases.ReferenceNow), RecordedTimeout));

        Assert.DoesNotContain("bucket", sent);
        Assert.DoesNotContain(sent, a => a.Contains("parsetime"));
        Assert.Equal(["GROUPBY", "2", "@sev", "@system", "REDUCE"], sent.SkipWhile(a => a != "GROUPBY").Take(5));
        Assert.Contains("lower(@severity)", sent);
    }

    [Fact]
    public void Severity_is_loaded_and_lowered_before_it_is_grouped()
    {
        // Recorded fact: GROUPBY on a non-SORTABLE TEXT field keeps the case (error and ERROR apart),
        // and without LOAD the field has no value for APPLY.
        var sent = Sent(RediSearchCommands.WindowedCounts(TextIndex, new WindowPlan([OneHour], RecordedCases.ReferenceNow), RecordedTimeout));
        var load = Array.IndexOf(sent, "LOAD");
        var lower = Array.IndexOf(sent, "lower(@severity)");
        var groupBy = Array.IndexOf(sent, "GROUPBY");

        Assert.Contains("@severity", sent[load..lower]);
        Assert.True(load < lower && lower < groupBy);
        Assert.Equal("sev", sent[lower + 2]);
        Assert.DoesNotContain("@severity", sent[groupBy..]);
    }

    [Theory]
    [InlineData(30_000, "30000")]
    [InlineData(1_500, "1500")]
    [InlineData(5, "5")]
    [InlineData(0.1, "1")]   // TIMEOUT 0 would mean "no timeout" to RediSearch: never send it
    [InlineData(0, "1")]
    public void Timeout_is_always_passed_in_milliseconds_and_never_zero(double milliseconds, string expected)
    {
        var timeout = TimeSpan.FromMilliseconds(milliseconds);
        var plan = new WindowPlan([OneHour], RecordedCases.ReferenceNow);
        foreach (var command in new[]
        {
            RediSearchCommands.WindowedCounts(TextIndex, plan, timeout),
            RediSearchCommands.WindowedCounts(NumericIndex, new WindowPlan([], plan.Now), timeout),
            RediSearchCommands.ExpiredKeys(TextIndex, 1, timeout, 10),
            RediSearchCommands.ExpiredKeys(NumericIndex, 1, timeout, 10),
        })
        {
            var sent = Sent(command);
            Assert.Equal(["TIMEOUT", expected], sent[^2..]);
        }
    }

    [Fact]
    public void Aggregations_read_with_a_cursor_so_no_group_is_cut_off()
    {
        var sent = Sent(RediSearchCommands.WindowedCounts(TextIndex, new WindowPlan([OneHour], RecordedCases.ReferenceNow), RecordedTimeout));
        Assert.Equal(RediSearchCommands.CursorPageSize.ToString(CultureInfo.InvariantCulture), After(sent, "WITHCURSOR", 2));
        Assert.Equal("COUNT", After(sent, "WITHCURSOR"));
        Assert.DoesNotContain("LIMIT", sent);
        Assert.DoesNotContain("MAX", sent);
        Assert.DoesNotContain("SORTBY", sent);
    }

    [Fact]
    public void The_created_index_is_the_producers_all_text_json_schema_without_prefix()
    {
        var sent = Sent(RediSearchCommands.CreateProducerIndex("messages"));

        Assert.Equal(["FT.CREATE", "messages", "ON", "JSON", "SCHEMA"], sent[..5]);
        Assert.DoesNotContain("PREFIX", sent);
        var fields = sent[5..].Chunk(4).ToList();
        Assert.Equal(["severity", "system", "timestamp", "title", "message", "author", "tags"], fields.Select(f => f[2]));
        Assert.All(fields, f => Assert.Equal(["$." + f[2], "AS", f[2], "TEXT"], f));
    }
}
