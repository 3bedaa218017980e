using Scout.Counting;
using Scout.Search;

namespace Scout.Tests.Unit.Counting;

public sealed class MessageRecordTests
{
    [Theory]
    [InlineData("2026-03-11T12:00:59Z", 1773230400 / 60)]
    [InlineData("2026-03-11T12:01:00.123Z", 1773230400 / 60 + 1)]
    [InlineData("2026-03-11T14:00:30+02:00", 1773230400 / 60)] // the offset counts (the engine's parsetime ignores it)
    [InlineData("2026-03-11T11:59:59.9999999Z", 1773230400 / 60 - 1)]
    public void A_text_timestamp_falls_in_the_minute_of_its_instant(string timestamp, long minute) =>
        Assert.Equal(minute, MessageRecord.From(new MessageFields("k", "ERROR", "api", timestamp), TimestampKind.Text).Minute);

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-03-11")]
    [InlineData("03/11/2026 12:00")]
    [InlineData("")]
    [InlineData(null)]
    public void A_text_timestamp_that_is_not_RFC_3339_has_no_minute(string? timestamp) =>
        Assert.Null(MessageRecord.From(new MessageFields("k", "info", "api", timestamp), TimestampKind.Text).Minute);

    [Theory]
    [InlineData("1773230400", 1773230400L / 60)]
    [InlineData("1773230459.9", 1773230400L / 60)]
    [InlineData("NaN", null)]
    [InlineData("1e300", null)]
    public void A_numeric_timestamp_is_Unix_seconds(string timestamp, long? minute) =>
        Assert.Equal(minute, MessageRecord.From(new MessageFields("k", "info", "api", timestamp), TimestampKind.Numeric).Minute);

    [Fact]
    public void Severity_is_lower_cased_a_missing_one_is_unknown_and_the_system_keeps_its_case()
    {
        Assert.Equal(("critical", "Edge Proxy"), Parts(MessageRecord.From(new MessageFields("k", "Critical", "Edge Proxy", null), TimestampKind.Text)));
        Assert.Equal(("unknown", ""), Parts(MessageRecord.From(new MessageFields("k", null, null, null), TimestampKind.Text)));
        static (string, string) Parts(MessageRecord r) => (r.Severity, r.System);
    }

    [Theory]
    [InlineData(28_000_000L, "error", "api-gateway")]
    [InlineData(null, "info", "Edge Proxy")]
    [InlineData(1L, "warning", "a|b:c-d")]
    public void A_record_reads_back_as_written(long? minute, string severity, string system)
    {
        var record = new MessageRecord(minute, severity, system);
        Assert.Equal(record, MessageRecord.Decode(record.Encode()));
        Assert.Equal((severity, system), MessageRecord.SplitGroup(record.Group));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("no separators")]
    public void Text_that_is_no_record_decodes_to_null(string? text) => Assert.Null(MessageRecord.Decode(text));

    [Theory]
    [InlineData("1-0", "0-0", 1)]
    [InlineData("1700000000000-1", "1700000000000-0", 1)]
    [InlineData("999-5", "1000-0", -1)] // numeric, not text order
    [InlineData("1700000000000-0", "1700000000000-0", 0)]
    public void Stream_ids_order_by_time_then_sequence(string a, string b, int sign) =>
        Assert.Equal(sign, Math.Sign(StreamFollower.Compare(a, b)));

    [Fact]
    public void A_window_starts_at_the_minute_of_now_minus_its_length()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1773230400 + 30); // 12:00:30
        var starts = CountingModel.StartsAt([new("5m", TimeSpan.FromMinutes(5)), new("90s", TimeSpan.FromSeconds(90))], now);
        Assert.Equal((1773230400 - 300) / 60, starts["5m"]);  // 11:55:00
        Assert.Equal((1773230400 - 60) / 60, starts["90s"]);  // 12:00:30 - 90 s = 11:59:00
    }
}
