using System.Globalization;
using System.Text;
using System.Text.Json;
using Scout.Analytics;
using Scout.Search;
using StackExchange.Redis;

namespace Scout.Tests.Unit.Search;

public sealed class RediSearchRepliesTests
{
    public static TheoryData<string> Protocols => new() { "resp2", "resp3" };

    public static TheoryData<string, string> RecordedReplies()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.GetFiles(RecordedCases.Directory, "*.resp?").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(file), Path.GetExtension(file)[1..]);
        return data;
    }

    private static RedisResult Recorded(string name, string protocol) => RespReader.Read(RecordedCases.Bytes(name, protocol));

    private static AggregatePage Aggregate(string name, string protocol, bool countWithoutRowsIsPartial = true) =>
        RediSearchReplies.ParseAggregate(Recorded(name, protocol), countWithoutRowsIsPartial);

    /// <summary>A recorded error reply as StackExchange.Redis raises it.</summary>
    private static RedisServerException RecordedError(string name, string protocol)
    {
        var reply = Recorded(name, protocol);
        Assert.Equal(ResultType.Error, reply.Resp2Type);
        return new RedisServerException(RedisErrorKind.Unknown, CommandFlags.None, reply.ToString()!);
    }

    private static List<JsonElement> Documents => RecordedCases.Root.GetProperty("documents").EnumerateArray().ToList();

    private static Dictionary<string, long> Counts(AggregatePage page, string field, Func<string, string>? key = null)
    {
        var sums = new Dictionary<string, long>();
        foreach (var row in page.Rows)
        {
            var name = (key ?? (k => k))(row[field]!);
            sums[name] = sums.GetValueOrDefault(name) + long.Parse(row["count"]!, CultureInfo.InvariantCulture);
        }
        return sums;
    }

    // The decoder is checked against the recorder's own decoding, so the other tests stand on real replies.
    [Theory]
    [MemberData(nameof(RecordedReplies))]
    public void The_test_decoder_reads_each_recording_as_the_recorder_decoded_it(string name, string protocol)
    {
        AssertSame(RecordedCases.Reply(name, protocol), Recorded(name, protocol), name);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Summary_rows_are_counted_not_the_leading_number_and_cover_every_indexed_message(string protocol)
    {
        var page = Aggregate("summary_all", protocol);

        Assert.Equal(0, page.CursorId);
        Assert.Equal(RecordedCases.Reply("summary_all", protocol).GetArrayLength() - 1, page.Rows.Count);
        // FT.SEARCH's total over the same index counts every indexed message, bad:1 included.
        var indexed = RecordedCases.Reply("search_nocontent_page", protocol)[0].GetInt64();
        Assert.Equal(indexed, Counts(page, "severity").Values.Sum());
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void The_one_hour_window_rows_match_the_documents_after_the_cut_off(string protocol)
    {
        var cutoff = RecordedCases.ReferenceNowUnix - 3600;
        var expected = Documents.Where(d => d.GetProperty("unix").GetInt64() >= cutoff)
            .GroupBy(d => d.GetProperty("severity").GetString()!).ToDictionary(g => g.Key, g => (long)g.Count());

        Assert.Equal(expected.OrderBy(e => e.Key), Counts(Aggregate("window_1h_parsetime", protocol), "severity").OrderBy(e => e.Key));
        // Comparing timestamps as text lets "yesterday" through: one error too many.
        var stringCompare = Counts(Aggregate("window_1h_string_compare", protocol), "severity");
        Assert.Equal(expected["error"] + 1, stringCompare["error"]);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Systems_rows_match_the_documents_per_system(string protocol)
    {
        var cutoff = RecordedCases.ReferenceNowUnix - 86400;
        var expected = Documents.Where(d => d.GetProperty("unix").GetInt64() >= cutoff)
            .GroupBy(d => d.GetProperty("system").GetString()!).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expected.OrderBy(e => e.Key), Counts(Aggregate("window_24h_numeric_range", protocol), "system").OrderBy(e => e.Key));

        var all = Counts(Aggregate("systems_all_top20", protocol), "system");
        Assert.Contains("Edge Proxy", all.Keys); // a system name with a space survives parsing
        Assert.Equal(Documents.Select(d => d.GetProperty("system").GetString()).Distinct().Count(), all.Count);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void A_reply_cut_short_by_the_timeout_is_a_search_timeout(string protocol)
    {
        Assert.Throws<SearchTimeoutException>(() => Aggregate("summary_timeout_partial", protocol, countWithoutRowsIsPartial: true));
        // The empty row alone gives it away, whatever the query.
        Assert.Throws<SearchTimeoutException>(() => Aggregate("summary_timeout_partial", protocol, countWithoutRowsIsPartial: false));
    }

    [Fact]
    public void A_count_without_rows_is_partial_only_for_queries_without_filter()
    {
        var countOnly = RespReader.Read(Encoding.ASCII.GetBytes("*1\r\n:3799\r\n"));
        Assert.Throws<SearchTimeoutException>(() => RediSearchReplies.ParseAggregate(countOnly, countWithoutRowsIsPartial: true));
        // After FILTER the leading number counts rows before filtering: no rows is a real answer.
        Assert.Empty(RediSearchReplies.ParseAggregate(countOnly, countWithoutRowsIsPartial: false).Rows);
        var nothing = RespReader.Read(Encoding.ASCII.GetBytes("*1\r\n:0\r\n"));
        Assert.Empty(RediSearchReplies.ParseAggregate(nothing, countWithoutRowsIsPartial: true).Rows);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void A_missing_index_is_recognised_and_is_not_a_missing_module(string protocol)
    {
        var error = RecordedError("info_missing_index", protocol);
        Assert.True(RediSearchReplies.IsMissingIndex(error));
        Assert.False(RediSearchReplies.IsMissingModule(error));
        // Other RediSearch versions word it differently (fact 8).
        Assert.True(RediSearchReplies.IsMissingIndex(new RedisServerException(RedisErrorKind.Unknown, CommandFlags.None, "messages: no such index")));
    }

    [Theory]
    [InlineData("plain_redis_ft_info")]
    [InlineData("plain_redis_ft_aggregate")]
    public void Redis_without_the_module_is_recognised_and_is_not_a_missing_index(string name)
    {
        var error = RecordedError(name, "resp2");
        Assert.True(RediSearchReplies.IsMissingModule(error));
        Assert.False(RediSearchReplies.IsMissingIndex(error));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Info_on_the_text_index_reads_a_hash_index_with_text_timestamps(string protocol)
    {
        Assert.Equal(new IndexDefinition("messages", IndexKeyType.Hash, TimestampKind.Text),
            RediSearchReplies.ParseIndexInfo("messages", Recorded("info_text_index", protocol)).Definition with { ByKey = null });
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Info_on_the_numeric_index_reads_numeric_timestamps(string protocol)
    {
        Assert.Equal(new IndexDefinition("messages_num", IndexKeyType.Hash, TimestampKind.Numeric),
            RediSearchReplies.ParseIndexInfo("messages_num", Recorded("info_numeric_index", protocol)).Definition with { ByKey = null });
    }

    [Fact]
    public void Info_of_a_json_index_reads_key_type_json()
    {
        // No ON JSON recording exists (RedisJSON could not be built); the documented shape: key_type JSON, JSONPath identifiers.
        var reply = RespReader.Read(Encoding.ASCII.GetBytes(
            "*6\r\n+index_name\r\n+messages\r\n+index_definition\r\n*2\r\n+key_type\r\n+JSON\r\n+attributes\r\n*1\r\n" +
            "*6\r\n+identifier\r\n+$.timestamp\r\n+attribute\r\n+timestamp\r\n+type\r\n+TEXT\r\n"));
        Assert.Equal(new IndexDefinition("messages", IndexKeyType.Json, TimestampKind.Text), RediSearchReplies.ParseIndexInfo("messages", reply).Definition with { ByKey = null });
    }

    [Fact]
    public void Info_as_a_resp3_map_of_redisearch_2_8_reads_the_same_definition()
    {
        var reply = RespReader.Read(Encoding.ASCII.GetBytes(
            "%3\r\n+index_name\r\n+messages_num\r\n+index_definition\r\n%1\r\n+key_type\r\n+HASH\r\n+attributes\r\n*2\r\n" +
            "%3\r\n+identifier\r\n+severity\r\n+attribute\r\n+severity\r\n+type\r\n+TEXT\r\n" +
            "%4\r\n+identifier\r\n+timestamp\r\n+attribute\r\n+timestamp\r\n+type\r\n+NUMERIC\r\n+flags\r\n*1\r\n+SORTABLE\r\n"));
        Assert.Equal(RediSearchReplies.ParseIndexInfo("messages_num", Recorded("info_numeric_index", "resp2")).Definition with { ByKey = null },
            RediSearchReplies.ParseIndexInfo("messages_num", reply).Definition with { ByKey = null });
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void The_first_cursor_page_gives_its_rows_and_the_cursor_to_read_on(string protocol)
    {
        var page = Aggregate("expired_keys_cursor_first", protocol, countWithoutRowsIsPartial: false);
        var recorded = RecordedCases.Reply("expired_keys_cursor_first", protocol);
        var pageSize = int.Parse(RecordedCases.Command("expired_keys_cursor_first").SkipWhile(a => a != "WITHCURSOR").ElementAt(2), CultureInfo.InvariantCulture);

        Assert.Equal(recorded[1].GetInt64(), page.CursorId);
        Assert.NotEqual(0, page.CursorId);
        Assert.Equal(pageSize, page.Rows.Count);
        Assert.Equal(recorded[0].EnumerateArray().Skip(1).Select(r => r[1].GetString()), page.Rows.Select(r => r["__key"]));
        Assert.All(page.Rows, r => Assert.Equal(["__key", "timestamp", "ts"], r.Keys.Order()));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void The_last_cursor_page_ends_with_cursor_zero_and_keeps_the_unparseable_timestamp(string protocol)
    {
        var page = Aggregate("expired_keys_cursor_next", protocol, countWithoutRowsIsPartial: false);

        Assert.Equal(0, page.CursorId);
        Assert.Equal(RecordedCases.Reply("expired_keys_cursor_next", protocol)[0].GetArrayLength() - 1, page.Rows.Count);
        var bad = Assert.Single(page.Rows, r => r["__key"] == "bad:1");
        Assert.Equal("yesterday", bad["timestamp"]);
        Assert.Null(bad["ts"]);
        // Every other expired row parsed to a time before the recorded cut-off.
        Assert.All(page.Rows.Where(r => r != bad), r => Assert.True(long.Parse(r["ts"]!, CultureInfo.InvariantCulture) < RecordedCases.ReferenceNowUnix - 86400));
    }

    [Theory]
    [InlineData("summary_all")]
    [InlineData("systems_all_top20")]
    [InlineData("alerts_by_severity")]
    [InlineData("alerts_top_systems")]
    [InlineData("window_1h_parsetime")]
    [InlineData("window_24h_numeric_range")]
    [InlineData("expired_keys_cursor_first")]
    [InlineData("expired_keys_cursor_next")]
    public void Resp2_and_resp3_replies_parse_to_the_same_page(string name)
    {
        var resp2 = Aggregate(name, "resp2", countWithoutRowsIsPartial: false);
        var resp3 = Aggregate(name, "resp3", countWithoutRowsIsPartial: false);

        Assert.NotEmpty(resp2.Rows);
        Assert.Equal(resp2.CursorId == 0, resp3.CursorId == 0); // ids are per connection
        Assert.Equal(resp2.Rows.Count, resp3.Rows.Count);
        for (var i = 0; i < resp2.Rows.Count; i++)
            Assert.Equal(resp2.Rows[i].OrderBy(f => f.Key), resp3.Rows[i].OrderBy(f => f.Key));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Info_parses_the_same_under_both_protocols(string protocol)
    {
        Assert.Equal(RediSearchReplies.ParseIndexInfo("messages", Recorded("info_text_index", "resp2")).Definition with { ByKey = null }, RediSearchReplies.ParseIndexInfo("messages", Recorded("info_text_index", protocol)).Definition with { ByKey = null });
    }

    // RediSearch 2.8+ answers RESP3 with maps (fact 7); no recording exists, so the documented shape is written out.
    private const string MapPage =
        "%5\r\n" +
        "+attributes\r\n*0\r\n" +
        "+format\r\n+STRING\r\n" +
        "+results\r\n*2\r\n" +
        "%2\r\n+extra_attributes\r\n%3\r\n+sev\r\n$5\r\nerror\r\n+system\r\n$10\r\nEdge Proxy\r\n+count\r\n$1\r\n7\r\n+values\r\n*0\r\n" +
        "%2\r\n+extra_attributes\r\n%3\r\n+sev\r\n$4\r\ninfo\r\n+system\r\n$4\r\nauth\r\n+count\r\n$2\r\n12\r\n+values\r\n*0\r\n" +
        "+total_results\r\n:2\r\n" +
        "+warning\r\n*0\r\n";

    [Fact]
    public void A_resp3_map_page_of_redisearch_2_8_gives_the_same_rows_as_a_flat_page()
    {
        var page = RediSearchReplies.ParseAggregate(RespReader.Read(Encoding.ASCII.GetBytes(MapPage)), countWithoutRowsIsPartial: true);

        Assert.Equal(0, page.CursorId);
        Assert.Equal(2, page.Rows.Count);
        Assert.Equal(("error", "Edge Proxy", "7"), (page.Rows[0]["sev"], page.Rows[0]["system"], page.Rows[0]["count"]));
        Assert.Equal(("info", "auth", "12"), (page.Rows[1]["sev"], page.Rows[1]["system"], page.Rows[1]["count"]));
    }

    [Fact]
    public void A_resp3_map_page_inside_a_cursor_reply_gives_the_cursor()
    {
        var reply = RespReader.Read(Encoding.ASCII.GetBytes("*2\r\n" + MapPage + ":4242\r\n"));
        var page = RediSearchReplies.ParseAggregate(reply, countWithoutRowsIsPartial: true);
        Assert.Equal(4242, page.CursorId);
        Assert.Equal(2, page.Rows.Count);
    }

    [Fact]
    public void A_resp3_timeout_warning_is_a_search_timeout()
    {
        var timedOut = MapPage.Replace("+warning\r\n*0\r\n", "+warning\r\n*1\r\n+Timeout limit was reached\r\n");
        Assert.Throws<SearchTimeoutException>(() =>
            RediSearchReplies.ParseAggregate(RespReader.Read(Encoding.ASCII.GetBytes(timedOut)), countWithoutRowsIsPartial: false));
    }

    private static void AssertSame(JsonElement expected, RedisResult actual, string path)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object when expected.TryGetProperty("error", out var error):
                Assert.Equal(ResultType.Error, actual.Resp2Type);
                Assert.Equal(error.GetString(), actual.ToString());
                break;
            case JsonValueKind.Array:
                Assert.True(actual.Resp2Type == ResultType.Array, $"{path}: expected an array, got {actual.Resp3Type}");
                var items = (RedisResult[])actual!;
                Assert.True(expected.GetArrayLength() == items.Length, $"{path}: {expected.GetArrayLength()} items expected, {items.Length} read");
                for (var i = 0; i < items.Length; i++) AssertSame(expected[i], items[i], $"{path}[{i}]");
                break;
            case JsonValueKind.String:
                Assert.False(actual.IsNull, path);
                Assert.True(expected.GetString() == actual.ToString(), $"{path}: \"{expected.GetString()}\" expected, \"{actual}\" read");
                break;
            case JsonValueKind.Number:
                Assert.True(actual.Resp3Type is ResultType.Integer or ResultType.Double, $"{path}: a number expected, {actual.Resp3Type} read");
                Assert.Equal(expected.GetDouble(), (double)actual);
                break;
            case JsonValueKind.Null:
                Assert.True(actual.IsNull || actual.Resp3Type == ResultType.Double && double.IsNaN((double)actual), $"{path}: null expected, {actual} read");
                break;
            default:
                Assert.Fail($"{path}: unexpected {expected.ValueKind} in cases.json");
                break;
        }
    }
}
