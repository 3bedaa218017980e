using Scout.Counting;

namespace Scout.Tests.Unit.Counting;

/// <summary>The counting rules one at a time, on hand-made cases; <see cref="CountingModelProperties"/> checks them on generated ones.</summary>
public sealed class CountingModelTests
{
    private static readonly Dictionary<string, long> Starts = new() { ["5m"] = 100, ["1h"] = 50 };
    private static readonly Dictionary<string, MessageRecord?> NothingHeld = new();

    private static MessageRecord Rec(long? minute, string severity = "error", string system = "api") => new(minute, severity, system);
    private static string G(string severity = "error", string system = "api") => severity + MessageRecord.Separator + system;
    private static long Window(CountChanges c, string window, string group) => c.WindowCounts.GetValueOrDefault(window)?.GetValueOrDefault(group) ?? 0;
    private static long Minute(CountChanges c, string minute, string group) => c.MinuteCounts.GetValueOrDefault(minute)?.GetValueOrDefault(group) ?? 0;

    [Fact]
    public void A_new_message_counts_in_all_and_in_every_window_that_has_begun_by_its_minute()
    {
        var c = CountingModel.Apply(NothingHeld, [new("m1", Rec(100))], Starts);
        Assert.Equal((1, 1, 1), (Window(c, "all", G()), Window(c, "5m", G()), Window(c, "1h", G())));
    }

    [Fact]
    public void A_message_older_than_a_window_counts_in_all_and_the_longer_windows_only()
    {
        var c = CountingModel.Apply(NothingHeld, [new("m1", Rec(99))], Starts);
        Assert.Equal((1, 0, 1), (Window(c, "all", G()), Window(c, "5m", G()), Window(c, "1h", G())));
    }

    [Fact]
    public void A_message_at_a_windows_first_minute_is_in_it()
    {
        var c = CountingModel.Apply(NothingHeld, [new("m1", Rec(50))], Starts);
        Assert.Equal(1, Window(c, "1h", G()));
    }

    [Fact]
    public void A_timestamp_that_does_not_parse_counts_in_all_only_under_no_minute()
    {
        var c = CountingModel.Apply(NothingHeld, [new("m1", Rec(null))], Starts);
        Assert.Equal(["all"], c.WindowCounts.Keys);
        Assert.Equal(1, Minute(c, MessageRecord.NoMinute, G()));
        Assert.Empty(c.Minutes);
    }

    [Fact]
    public void A_new_message_enters_its_minute_and_the_set_of_minutes()
    {
        var c = CountingModel.Apply(NothingHeld, [new("m1", Rec(120))], Starts);
        Assert.Equal(G(), c.MinuteEntries["120"]["m1"]);
        Assert.Equal(1, Minute(c, "120", G()));
        Assert.Equal([120L], c.Minutes);
        Assert.Empty(c.MinuteExits);
    }

    [Fact]
    public void A_message_held_as_it_is_changes_nothing()
    {
        var c = CountingModel.Apply(new Dictionary<string, MessageRecord?> { ["m1"] = Rec(100) }, [new("m1", Rec(100))], Starts);
        Assert.True(c.IsEmpty);
        Assert.Empty(c.MinuteCounts);
    }

    [Fact]
    public void A_gone_message_that_was_never_held_changes_nothing()
    {
        Assert.True(CountingModel.Apply(NothingHeld, [new("m1", null)], Starts).IsEmpty);
    }

    [Fact]
    public void A_gone_message_leaves_its_minute_and_every_window_that_counted_it()
    {
        var c = CountingModel.Apply(new Dictionary<string, MessageRecord?> { ["m1"] = Rec(100) }, [new("m1", null)], Starts);
        Assert.Equal((-1, -1, -1), (Window(c, "all", G()), Window(c, "5m", G()), Window(c, "1h", G())));
        Assert.Equal(["m1"], c.MinuteExits["100"]);
        Assert.Equal(-1, Minute(c, "100", G()));
        Assert.Null(c.Records["m1"]);
    }

    [Fact]
    public void A_changed_severity_moves_one_count_between_groups()
    {
        var c = CountingModel.Apply(new Dictionary<string, MessageRecord?> { ["m1"] = Rec(100) }, [new("m1", Rec(100, "info"))], Starts);
        Assert.Equal((-1, 1), (Window(c, "all", G()), Window(c, "all", G("info"))));
        Assert.Equal(["m1"], c.MinuteExits["100"]);
        Assert.Equal(G("info"), c.MinuteEntries["100"]["m1"]);
    }

    [Fact]
    public void A_changed_system_moves_one_count_between_groups()
    {
        var c = CountingModel.Apply(new Dictionary<string, MessageRecord?> { ["m1"] = Rec(100) }, [new("m1", Rec(100, "error", "db"))], Starts);
        Assert.Equal((-1, 1), (Window(c, "5m", G()), Window(c, "5m", G("error", "db"))));
    }

    [Fact]
    public void A_timestamp_moved_out_of_a_window_leaves_it_but_stays_in_all()
    {
        var c = CountingModel.Apply(new Dictionary<string, MessageRecord?> { ["m1"] = Rec(100) }, [new("m1", Rec(60))], Starts);
        Assert.Equal((0, -1, 0), (Window(c, "all", G()), Window(c, "5m", G()), Window(c, "1h", G())));
        Assert.Equal((-1, 1), (Minute(c, "100", G()), Minute(c, "60", G())));
    }

    [Fact]
    public void The_last_change_of_a_message_in_a_batch_wins()
    {
        var c = CountingModel.Apply(NothingHeld, [new("m1", Rec(100)), new("m1", Rec(100, "info")), new("m1", Rec(101, "warn"))], Starts);
        Assert.Equal(Rec(101, "warn"), c.Records["m1"]);
        Assert.Equal([G("warn")], c.WindowCounts["all"].Keys);
    }

    [Fact]
    public void Added_then_gone_in_one_batch_counts_nothing()
    {
        Assert.True(CountingModel.Apply(NothingHeld, [new("m1", Rec(100)), new("m1", null)], Starts).IsEmpty);
    }

    [Fact]
    public void Counts_of_a_batch_are_summed_per_group()
    {
        var c = CountingModel.Apply(NothingHeld, [new("a", Rec(100)), new("b", Rec(101)), new("c", Rec(101, "info"))], Starts);
        Assert.Equal((2, 1), (Window(c, "all", G()), Window(c, "all", G("info"))));
    }

    [Fact]
    public void Increments_that_cancel_out_leave_no_entry()
    {
        var held = new Dictionary<string, MessageRecord?> { ["a"] = Rec(100) };
        var c = CountingModel.Apply(held, [new("a", null), new("b", Rec(100))], Starts);
        Assert.False(c.WindowCounts.ContainsKey("all"));
        Assert.Equal(2, c.Records.Count);
    }

    [Fact]
    public void Slide_ranges_are_the_minutes_each_window_leaves()
    {
        var ranges = CountingModel.SlideRanges(Starts, new Dictionary<string, long> { ["5m"] = 103, ["1h"] = 50 })!;
        Assert.Equal(new Dictionary<string, (long, long)> { ["5m"] = (100, 103) }, ranges);
    }

    [Fact]
    public void A_start_moving_back_cannot_slide()
    {
        Assert.Null(CountingModel.SlideRanges(Starts, new Dictionary<string, long> { ["5m"] = 99, ["1h"] = 50 }));
    }

    [Fact]
    public void A_window_the_counts_never_had_cannot_slide()
    {
        Assert.Null(CountingModel.SlideRanges(Starts, new Dictionary<string, long> { ["5m"] = 100, ["1h"] = 50, ["24h"] = 10 }));
    }

    [Fact]
    public void A_slide_takes_the_minutes_left_behind_out_of_the_window_and_moves_its_start()
    {
        var counts = new Dictionary<long, IReadOnlyDictionary<string, long>>
        {
            [100] = new Dictionary<string, long> { [G()] = 2 },
            [102] = new Dictionary<string, long> { [G()] = 1, [G("info")] = 4 },
            [103] = new Dictionary<string, long> { [G()] = 7 },
        };
        var c = CountingModel.Slide(new Dictionary<string, (long, long)> { ["5m"] = (100, 103) }, counts);
        Assert.Equal((-3, -4), (Window(c, "5m", G()), Window(c, "5m", G("info"))));
        Assert.Equal(103, c.Starts["5m"]);
        Assert.False(c.WindowCounts.ContainsKey("all"));
        Assert.Empty(c.Records);
    }

    [Fact]
    public void A_slide_by_nothing_changes_nothing()
    {
        Assert.True(CountingModel.Slide(new Dictionary<string, (long, long)>(), new Dictionary<long, IReadOnlyDictionary<string, long>>()).IsEmpty);
    }

    [Fact]
    public void Starts_at_an_instant_are_the_minutes_of_now_less_each_length()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(6000 * 60 + 30);
        var starts = CountingModel.StartsAt([new("5m", TimeSpan.FromMinutes(5)), new("90s", TimeSpan.FromSeconds(90))], now);
        Assert.Equal(new Dictionary<string, long> { ["5m"] = 5995, ["90s"] = 5999 }, starts);
    }

    [Fact]
    public void A_comparison_finds_missed_and_wrong_documents()
    {
        var comparison = new GenerationComparison();
        comparison.ComparePage([new("a", Rec(1)), new("b", Rec(2)), new("c", Rec(3))], [null, Rec(2, "info"), Rec(3)]);
        Assert.Equal((1L, 1L, 0L), comparison.Corrections(liveRecords: 2, newRecords: 3));
    }

    [Fact]
    public void A_comparison_leaves_out_documents_the_stream_named_during_the_pass()
    {
        var comparison = new GenerationComparison();
        comparison.ComparePage([new("a", Rec(1)), new("b", Rec(2))], [null, Rec(2, "info")]);
        comparison.Changed(["a", "b"]);
        Assert.Equal((0L, 0L, 0L), comparison.Corrections(liveRecords: 2, newRecords: 2));
    }

    [Fact]
    public void A_comparison_counts_live_records_the_index_no_longer_has_as_extra()
    {
        var comparison = new GenerationComparison();
        comparison.ComparePage([new("a", Rec(1))], [Rec(1)]);
        Assert.Equal((0L, 0L, 4L), comparison.Corrections(liveRecords: 5, newRecords: 1));
    }

    [Fact]
    public void Every_reason_for_a_full_pass_keeps_the_name_it_had()
    {
        Assert.Equal(["first start", "layout changed", "windows changed", "index or stream changed", "stream trimmed past Scout's position",
            "stream recreated", "reconciliation due"], Enum.GetValues<FullPassReason>().Select(r => r.Describe()));
    }

    [Fact]
    public void A_committed_write_advances_the_state_without_a_second_read()
    {
        var state = CountState.Empty with { Version = 7, Starts = new Dictionary<string, long> { ["5m"] = 1 } };
        var slide = CountingModel.Slide(new Dictionary<string, (long, long)> { ["5m"] = (1, 4) }, new Dictionary<long, IReadOnlyDictionary<string, long>>());
        var after = state.After(new CountWrite(new CountKeys(1), slide, 7, new StreamCursor("5-0", 12)));
        Assert.Equal((8L, new StreamCursor("5-0", 12), 4L), (after.Version, after.Cursor, after.Starts["5m"]));
    }
}
