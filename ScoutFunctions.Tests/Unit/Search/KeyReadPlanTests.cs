using Scout.Search;
using StackExchange.Redis;

namespace Scout.Tests.Unit.Search;

/// <summary>
/// Which indexes are read by key, which keys they cover and what a document read by key gives; the engine's own answers
/// for the same documents are checked in Contract/ReadByKeyContractTests.
/// </summary>
public sealed class KeyReadPlanTests
{
    private static readonly IndexField[] JsonFields =
    [
        new("$.severity", "severity", "TEXT"), new("$.system", "system", "TEXT"), new("$.timestamp", "timestamp", "TEXT"),
        new("$.meta.title", "title", "TEXT"),
    ];

    private static readonly IndexField[] HashFields =
        [new("sev", "severity", "TEXT"), new("system", "system", "TAG"), new("timestamp", "timestamp", "NUMERIC")];

    private static KeyReadPlan Plan(IndexKeyType type, IndexField[] fields, params string[] prefixes) =>
        KeyReadPlan.From(type, prefixes, new Dictionary<string, string>(), fields, out _)!;

    [Theory]
    [InlineData("filter")]
    [InlineData("language_field")]
    [InlineData("score_field")]
    [InlineData("payload_field")]
    public void An_index_with_a_filter_or_a_document_field_is_left_to_the_index(string option)
    {
        Assert.Null(KeyReadPlan.From(IndexKeyType.Json, [], new Dictionary<string, string> { [option] = "x" }, JsonFields, out var why));
        Assert.Contains(option, why);
    }

    [Theory]
    [InlineData("$..severity")]
    [InlineData("$.tags[*]")]
    [InlineData("$['severity']")]
    [InlineData("severity")]
    public void A_json_attribute_that_is_not_a_plain_path_is_left_to_the_index(string path)
    {
        IndexField[] fields = [new(path, "severity", "TEXT"), .. JsonFields.Skip(1)];
        Assert.Null(KeyReadPlan.From(IndexKeyType.Json, [], new Dictionary<string, string>(), fields, out _));
    }

    [Fact]
    public void Other_attribute_types_and_a_missing_counted_attribute_are_left_to_the_index()
    {
        Assert.Null(KeyReadPlan.From(IndexKeyType.Hash, [], new Dictionary<string, string>(), [.. HashFields, new("v", "v", "VECTOR")], out _));
        Assert.Null(KeyReadPlan.From(IndexKeyType.Hash, [], new Dictionary<string, string>(), HashFields.Take(2).ToArray(), out var why));
        Assert.Contains("timestamp", why);
    }

    [Fact]
    public void Prefixes_decide_which_keys_are_covered_and_none_or_an_empty_one_covers_every_key()
    {
        var plan = Plan(IndexKeyType.Json, JsonFields, "m:", "n:");
        Assert.True(plan.Covers("m:1"));
        Assert.True(plan.Covers("n:"));
        Assert.False(plan.Covers("o:1"));
        Assert.False(plan.Covers("M:1"));
        Assert.True(Plan(IndexKeyType.Json, JsonFields).Covers("anything"));
        Assert.True(Plan(IndexKeyType.Json, JsonFields, "").Covers("anything"));
    }

    [Fact]
    public void A_json_document_gives_its_strings_and_a_missing_field_as_null()
    {
        var plan = Plan(IndexKeyType.Json, JsonFields);
        var read = plan.ReadJson("k", """[{"severity":"ERROR","system":"edge \"proxy\" \u00e9","meta":{"title":"t"}}]""");
        Assert.Equal(new KeyRead(KeyReadKind.Held, new MessageFields("k", "ERROR", "edge \"proxy\" é", null)), read);
        Assert.Equal(KeyRead.NotHeld, plan.ReadJson("k", null));
    }

    [Theory]
    [InlineData("""[{"severity":1}]""")]
    [InlineData("""[{"severity":null}]""")]
    [InlineData("""[{"severity":["a"]}]""")]
    [InlineData("""[{"severity":true}]""")]
    [InlineData("""[{"meta":{"title":5}}]""")]
    [InlineData("""[["not an object"]]""")]
    [InlineData("""["text"]""")]
    public void A_json_value_the_engine_may_refuse_is_left_to_the_index(string reply) =>
        Assert.Equal(KeyRead.AskIndex, Plan(IndexKeyType.Json, JsonFields).ReadJson("k", reply));

    [Fact]
    public void A_json_number_on_a_numeric_timestamp_reads_as_the_number_and_a_string_is_left_to_the_index()
    {
        var plan = Plan(IndexKeyType.Json, [.. JsonFields.Take(2), new("$.timestamp", "timestamp", "NUMERIC")]);
        Assert.Equal("1773230400", plan.ReadJson("k", """[{"timestamp":1773230400.0}]""").Fields!.Timestamp);
        Assert.Equal("1773230400.25", plan.ReadJson("k", """[{"timestamp":1.77323040025E9}]""").Fields!.Timestamp);
        Assert.Equal(KeyRead.AskIndex, plan.ReadJson("k", """[{"timestamp":"1773230400"}]"""));
    }

    [Fact]
    public void A_hash_gives_its_fields_by_their_attribute_names_and_numbers_as_the_engine_prints_them()
    {
        var plan = Plan(IndexKeyType.Hash, HashFields);
        Assert.Equal(["sev", "system", "timestamp"], plan.HashFields);
        Assert.Equal(new MessageFields("k", "Info", "api", "1000"), plan.ReadHash("k", ["Info", "api", "1e3"]).Fields);
        Assert.Equal(new MessageFields("k", null, "api", "12"), plan.ReadHash("k", [RedisValue.Null, "api", "012"]).Fields);
        Assert.Equal(new MessageFields("k", "x", null, null), plan.ReadHash("k", ["x", RedisValue.Null, RedisValue.Null]).Fields);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("")]
    [InlineData(" 12")]
    [InlineData("+5")]
    [InlineData("inf")]
    [InlineData("1e999")]
    [InlineData("0x10")]
    public void A_hash_value_the_numeric_attribute_may_refuse_is_left_to_the_index(string timestamp) =>
        Assert.Equal(KeyRead.AskIndex, Plan(IndexKeyType.Hash, HashFields).ReadHash("k", ["info", "api", timestamp]));

    [Fact]
    public void A_hash_of_another_type_is_not_held_and_one_with_none_of_the_fields_is_left_to_the_index()
    {
        var plan = Plan(IndexKeyType.Hash, HashFields);
        Assert.Equal(KeyRead.NotHeld, plan.ReadHash("k", null));
        Assert.Equal(KeyRead.AskIndex, plan.ReadHash("k", [RedisValue.Null, RedisValue.Null, RedisValue.Null]));
    }
}
