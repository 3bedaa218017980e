using Scout.Search;

namespace Scout.Tests.Unit.Search;

/// <summary>
/// The query engine's error replies as each engine words them: Redis 8 leads with a code (RediSearch 8's
/// query_error table), RediSearch 2.x (Redis Stack 6.2–7.4) with English text only.
/// </summary>
public sealed class SearchErrorsTests
{
    [Theory]
    [InlineData("SEARCH_INDEX_NOT_FOUND Index not found: messages")]   // Redis 8: FT.INFO, FT.SEARCH, FT.AGGREGATE, FT.DROPINDEX
    [InlineData("SEARCH_INDEX_NOT_FOUND Index not found")]             // the code's default text, without the name
    [InlineData("Unknown Index name")]                                 // RediSearch 2.6 FT.INFO / FT.AGGREGATE
    [InlineData("messages: no such index")]                            // RediSearch 2.x FT.SEARCH
    [InlineData("Unknown index name")]
    public void A_missing_index_is_recognized_in_every_engines_words(string reply)
    {
        Assert.True(SearchErrors.IsMissingIndex(reply));
        Assert.False(SearchErrors.IsMissingModule(reply));
        Assert.False(SearchErrors.IsIndexExists(reply));
    }

    [Theory]
    [InlineData("ft_info_missing_index")]
    [InlineData("ft_search_missing_index")]
    [InlineData("ft_aggregate_missing_index")]
    [InlineData("ft_dropindex_missing_index")]
    public void Redis_8s_recorded_missing_index_replies_are_recognized(string name)
    {
        var reply = Recorded(name);
        Assert.Equal("SEARCH_INDEX_NOT_FOUND Index not found: nosuchindex", reply);
        Assert.True(SearchErrors.IsMissingIndex(reply));
        Assert.False(SearchErrors.IsMissingModule(reply));
    }

    [Fact]
    public void Redis_8s_recorded_existing_index_reply_is_recognized() => Assert.True(SearchErrors.IsIndexExists(Recorded("ft_create_existing_index")));

    /// <summary>A recorded error reply (Fixtures/redis-8.8) as the client's message: the text after '-'.</summary>
    private static string Recorded(string name)
    {
        var reply = RespReader.Read(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "redis-8.8", name + ".resp2")));
        Assert.Equal(StackExchange.Redis.ResultType.Error, reply.Resp2Type);
        return reply.ToString()!;
    }

    [Theory]
    [InlineData("SEARCH_INDEX_EXISTS Index already exists")]
    [InlineData("Index already exists")]
    public void An_existing_index_is_recognized(string reply)
    {
        Assert.True(SearchErrors.IsIndexExists(reply));
        Assert.False(SearchErrors.IsMissingIndex(reply));
    }

    [Theory]
    [InlineData("SEARCH_TIMEOUT Timeout limit was reached")]
    [InlineData("Timeout limit was reached")]
    public void A_timeout_is_recognized(string reply) => Assert.True(SearchErrors.IsTimeout(reply));

    [Theory]
    [InlineData("ERR unknown command 'FT.INFO', with args beginning with: 'messages' ")]
    [InlineData("ERR unknown command 'FT.AGGREGATE', with args beginning with: ")]
    public void Redis_without_the_query_engine_is_recognized(string reply)
    {
        Assert.True(SearchErrors.IsMissingModule(reply));
        Assert.False(SearchErrors.IsMissingIndex(reply));
    }

    [Theory]
    [InlineData("NOPERM User does not have the required permissions to query the index")]           // Redis 8, index keys not covered
    [InlineData("NOPERM this user has no permissions to run the 'ft.search' command")]
    [InlineData("NOPERM No permissions to access a key")]
    public void A_denial_is_recognized_and_is_nothing_else(string reply)
    {
        Assert.True(SearchErrors.IsPermissionDenied(reply));
        Assert.False(SearchErrors.IsMissingIndex(reply));
        Assert.False(SearchErrors.IsMissingModule(reply));
    }

    [Theory]
    [InlineData("SEARCH_INDEX_NOT_FOUND Index not found: x", "SEARCH_INDEX_NOT_FOUND")]
    [InlineData("ERR unknown command", "ERR")]
    [InlineData("NOPERM User does not have", "NOPERM")]
    [InlineData("Unknown Index name", "")]
    [InlineData("SEARCH_TIMEOUT", "SEARCH_TIMEOUT")]
    [InlineData("", "")]
    public void The_code_is_the_leading_upper_case_word(string reply, string code) => Assert.Equal(code, SearchErrors.Code(reply));

    [Fact]
    public void A_text_that_mentions_a_code_later_is_not_that_code()
    {
        // An index named after a code must not turn another error into a missing index.
        Assert.False(SearchErrors.IsMissingIndex("SEARCH_SYNTAX Syntax error at offset 3 near SEARCH_INDEX_NOT_FOUND"));
        Assert.False(SearchErrors.IsPermissionDenied("ERR NOPERM is not a valid argument"));
    }
}
