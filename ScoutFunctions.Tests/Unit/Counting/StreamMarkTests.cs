using Scout.Counting;

namespace Scout.Tests.Unit.Counting;

/// <summary>
/// Telling lost entries from XINFO STREAM. Measured on Redis 7.0.15: XTRIM (MINID or MAXLEN) moves no
/// max-deleted-entry-id, only recorded-first-entry-id and length; XDEL moves max-deleted-entry-id.
/// </summary>
public sealed class StreamMarkTests
{
    [Theory]
    // 30 added, 5 held: entries 26..30 remain. Scout read up to entry 25 (id 25-0): nothing lost; up to 24: entry 25 is gone.
    [InlineData("25-0", 25, false)]
    [InlineData("24-0", 24, true)]
    [InlineData("30-0", 30, false)]
    // Sequence not known (counts written before it was kept): only XDEL can be told.
    [InlineData("1-0", -1, false)]
    public void Entries_trimmed_from_the_front_past_the_position_are_lost(string position, long sequence, bool lost) =>
        Assert.Equal(lost, new StreamMark(true, "30-0", "0-0", EntriesAdded: 30, Length: 5).LostAfter(position, sequence));

    [Fact]
    public void An_entry_deleted_after_the_position_is_lost_and_one_before_it_is_not()
    {
        var mark = new StreamMark(true, "30-0", "20-0", EntriesAdded: 30, Length: 29);
        Assert.True(mark.LostAfter("19-0", -1));
        Assert.False(mark.LostAfter("20-0", -1));
    }

    [Fact]
    public void A_missing_stream_lost_nothing() => Assert.False(new StreamMark(false, "0-0", "0-0", 0, 0).LostAfter("0-0", 0));
}
