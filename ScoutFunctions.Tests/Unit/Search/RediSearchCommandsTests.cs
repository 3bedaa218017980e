using System.Globalization;
using System.Text.RegularExpressions;
using Scout.Search;

namespace Scout.Tests.Unit.Search;

public sealed class RediSearchCommandsTests
{
    private static readonly IndexDefinition TextIndex = new("messages", IndexKeyType.Json, TimestampKind.Text);
    private static readonly IndexDefinition NumericIndex = new("messages_num", IndexKeyType.Hash, TimestampKind.Numeric);
    private static readonly TimeSpan RecordedTimeout = TimeSpan.FromSeconds(30); // every recorded case used TIMEOUT 30000

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

    [Theory]
    [InlineData(30_000, "30000")]
    [InlineData(1_500, "1500")]
    [InlineData(5, "5")]
    [InlineData(0.1, "1")]   // TIMEOUT 0 would mean "no timeout" to RediSearch: never send it
    [InlineData(0, "1")]
    public void Timeout_is_always_passed_in_milliseconds_and_never_zero(double milliseconds, string expected)
    {
        var timeout = TimeSpan.FromMilliseconds(milliseconds);
        foreach (var command in new[]
        {
            RediSearchCommands.ScanFields("messages", 10, timeout),
            RediSearchCommands.ExpiredKeys(TextIndex, 1, timeout, 10),
            RediSearchCommands.ExpiredKeys(NumericIndex, 1, timeout, 10),
        })
        {
            var sent = Sent(command);
            Assert.Equal(["TIMEOUT", expected], sent[^2..]);
        }
    }

    [Fact]
    public void The_scan_reads_one_page_per_call_with_a_cursor_and_nothing_that_reads_the_whole_index_first()
    {
        var sent = Sent(RediSearchCommands.ScanFields("messages", 500, RecordedTimeout));
        Assert.Equal(["@__key", "@severity", "@system", "@timestamp"], sent.SkipWhile(a => a != "LOAD").Skip(2).Take(4));
        Assert.Equal("500", After(sent, "WITHCURSOR", 2));
        Assert.Equal("COUNT", After(sent, "WITHCURSOR"));
        Assert.DoesNotContain("GROUPBY", sent);
        Assert.DoesNotContain("SORTBY", sent);
        Assert.DoesNotContain("FILTER", sent);
        Assert.DoesNotContain("LIMIT", sent);
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
