using Scout.Search;

namespace Scout.Tests.Unit.Search;

public sealed class ScoutIndexSchemaTests
{
    private static string[] Sent(SearchCommand command) => [command.Name, .. command.Args.Cast<string>()];

    private static IndexInfo RecordedTextIndex(string protocol = "resp2") =>
        RediSearchReplies.ParseIndexInfo("messages", RespReader.Read(RecordedCases.Bytes("info_text_index", protocol)));

    [Theory]
    [InlineData("resp2")]
    [InlineData("resp3")]
    public void Info_reads_prefixes_fields_and_build_state_from_the_recorded_reply(string protocol)
    {
        var info = RecordedTextIndex(protocol);

        Assert.Equal(["msg:", "bad:"], info.Prefixes);
        Assert.Null(info.Filter);
        Assert.Equal(["severity", "system", "timestamp", "title", "message", "author", "tags"], info.Fields.Select(f => f.Attribute));
        Assert.All(info.Fields, f => Assert.Equal("TEXT", f.Type));
        Assert.False(info.Indexing);
        Assert.Equal(61, info.NumDocs);
        Assert.True(info.DocTableMegabytes > 0);
    }

    [Fact]
    public void The_own_index_follows_the_producers_key_type_prefixes_and_identifiers()
    {
        var schema = ScoutIndexSchema.For(RecordedTextIndex(), "scout_messages");

        Assert.Equal(
        [
            // ON HASH is the default, which NRedisStack leaves out.
            "FT.CREATE", "scout_messages", "PREFIX", "2", "msg:", "bad:", "SCHEMA",
            "severity", "AS", "severity", "TAG", "SORTABLE", "UNF",
            "system", "AS", "system", "TAG", "SORTABLE", "UNF",
            "timestamp", "AS", "timestamp", "TEXT", "NOINDEX", "SORTABLE", "UNF",
        ], Sent(RediSearchCommands.CreateScoutIndex(schema)));
        Assert.Equal(new IndexDefinition("scout_messages", IndexKeyType.Hash, TimestampKind.Text, IndexSource.Scout), schema.Definition);
    }

    [Fact]
    public void On_json_the_own_index_uses_the_producers_json_paths_and_numeric_timestamps_stay_numeric()
    {
        var json = new IndexInfo(new IndexDefinition("messages", IndexKeyType.Json, TimestampKind.Text), [], null,
            [new("$.severity", "severity", "TEXT"), new("$.sys", "system", "TEXT"), new("$.timestamp", "timestamp", "TEXT")], false, 0, 0, 0);
        var numeric = new IndexInfo(new IndexDefinition("messages_num", IndexKeyType.Hash, TimestampKind.Numeric), ["num:"], "@x==1",
            [new("timestamp", "timestamp", "NUMERIC")], false, 0, 0, 0);

        // JSON sortables are never normalised in 2.6 (FT.INFO shows UNF by itself): no UNF to send; no PREFIX: every JSON key, like the producer's.
        Assert.Equal(
        [
            "FT.CREATE", "scout_messages", "ON", "JSON", "SCHEMA",
            "$.severity", "AS", "severity", "TAG", "SORTABLE",
            "$.sys", "AS", "system", "TAG", "SORTABLE",
            "$.timestamp", "AS", "timestamp", "TEXT", "NOINDEX", "SORTABLE",
        ], Sent(RediSearchCommands.CreateScoutIndex(ScoutIndexSchema.For(json, "scout_messages"))));
        var sent = Sent(RediSearchCommands.CreateScoutIndex(ScoutIndexSchema.For(numeric, "scout_messages_num")));
        Assert.Equal(["FT.CREATE", "scout_messages_num", "PREFIX", "1", "num:", "FILTER", "@x==1", "SCHEMA"], sent[..8]);
        Assert.Equal(["timestamp", "AS", "timestamp", "NUMERIC", "SORTABLE"], sent[^5..]);
    }

    [Fact]
    public void Unf_is_moved_after_sortable_because_redisearch_2_6_rejects_it_before()
    {
        // NRedisStack 1.8 writes "UNF SORTABLE"; RediSearch 2.6 answers "Invalid field type for field `UNF`".
        var command = new SearchCommand("FT.CREATE", ["i", "SCHEMA", "a", "TAG", "UNF", "SORTABLE", "b", "TEXT", "NOINDEX", "UNF", "SORTABLE", "c", "TAG", "SORTABLE"]);

        Assert.Equal(["i", "SCHEMA", "a", "TAG", "SORTABLE", "UNF", "b", "TEXT", "NOINDEX", "SORTABLE", "UNF", "c", "TAG", "SORTABLE"],
            RediSearch26.SortableBeforeUnf(command).Args);
    }

    [Fact]
    public void An_index_matches_only_with_the_same_key_type_prefixes_filter_and_fields()
    {
        var producer = RecordedTextIndex();
        var schema = ScoutIndexSchema.For(producer, "scout_messages");
        var own = new IndexInfo(schema.Definition, ["msg:", "bad:"], null, schema.Fields, false, 61, 0, 0);

        Assert.True(schema.Matches(own));
        Assert.False(schema.Matches(own with { Prefixes = ["msg:"] }));
        Assert.False(schema.Matches(own with { Filter = "@severity=='x'" }));
        Assert.False(schema.Matches(own with { Definition = own.Definition with { KeyType = IndexKeyType.Json } }));
        Assert.False(schema.Matches(own with { Fields = [.. schema.Fields.Take(2), new("timestamp", "timestamp", "NUMERIC")] }));
    }

    [Fact]
    public void Windowed_counts_on_scouts_index_read_sortable_values_without_load_or_lower()
    {
        var plan = new WindowPlan([new("1h", TimeSpan.FromHours(1))], RecordedCases.ReferenceNow);

        var sent = Sent(RediSearchCommands.WindowedCounts(new IndexDefinition("scout_messages", IndexKeyType.Json, TimestampKind.Text, IndexSource.Scout), plan, TimeSpan.FromSeconds(30)));

        Assert.Equal(["FT.AGGREGATE", "scout_messages", "*", "APPLY", RediSearchCommands.ParseTimestamp, "AS", "ts"], sent[..7]);
        Assert.DoesNotContain("LOAD", sent);
        Assert.DoesNotContain("lower(@severity)", sent);
        Assert.Equal(["GROUPBY", "3", "@severity", "@system", "@bucket"], sent.SkipWhile(a => a != "GROUPBY").Take(5));
    }
}
