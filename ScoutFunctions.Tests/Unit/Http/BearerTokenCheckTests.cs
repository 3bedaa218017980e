using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Scout.Configuration;
using Scout.Http;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Unit.Http;

public sealed class BearerTokenCheckTests
{
    [Theory]
    [InlineData("s3cret", "s3cret", true)]
    [InlineData("s3cret", "s3creT", false)]       // case matters in a token
    [InlineData("s3cre", "s3cret", false)]        // a prefix of the token
    [InlineData("s3cret-and-more", "s3cret", false)] // the token as a prefix
    [InlineData("", "s3cret", false)]
    [InlineData("s3cret ", "s3cret", false)]
    [InlineData("tökèn", "tökèn", true)]          // non-ASCII compared exactly
    [InlineData("tokèn", "tökèn", false)]
    [InlineData("s3cret", "s3cret\0", false)]     // equal once padded to the expected length, but shorter
    public void Tokens_are_equal_only_when_identical(string given, string expected, bool equal)
    {
        Assert.Equal(equal, BearerTokenCheck.TokenEquals(given, expected));
    }

    [Fact]
    public void Tokens_of_very_different_length_are_compared_without_error()
    {
        Assert.False(BearerTokenCheck.TokenEquals(new string('a', 10_000), "a"));
        Assert.True(BearerTokenCheck.TokenEquals(new string('a', 10_000), new string('a', 10_000)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong")]
    [InlineData("")]
    public void An_empty_configured_token_leaves_the_api_open(string? header)
    {
        var (result, nextCalled, _) = Invoke(configuredToken: "", header);
        Assert.True(nextCalled);
        Assert.Same(Next, result);
    }

    [Theory]
    [InlineData("Bearer s3cret")]
    [InlineData("bearer s3cret")]   // the scheme is case-insensitive
    [InlineData("BEARER s3cret")]
    [InlineData("Bearer  s3cret ")]
    public void The_configured_token_lets_the_request_through(string header)
    {
        var (result, nextCalled, _) = Invoke("s3cret", header);
        Assert.True(nextCalled);
        Assert.Same(Next, result);
    }

    [Fact]
    public void A_missing_header_is_refused_as_missing()
    {
        var (result, nextCalled, context) = Invoke("s3cret", header: null);
        AssertUnauthorized(result, nextCalled, context, "missing authorization header");
    }

    [Theory]
    [InlineData("Bearer wrong")]
    [InlineData("Bearer s3cre")]
    [InlineData("Bearer s3cret-and-more")]
    [InlineData("Bearer S3CRET")]
    [InlineData("Basic s3cret")]
    [InlineData("s3cret")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Token s3cret")]
    public void Any_other_credential_is_refused_as_invalid(string header)
    {
        var (result, nextCalled, context) = Invoke("s3cret", header);
        AssertUnauthorized(result, nextCalled, context, "invalid token");
    }

    private static readonly object Next = new();

    private static void AssertUnauthorized(object? result, bool nextCalled, HttpContext context, string error)
    {
        Assert.False(nextCalled);
        var json = Assert.IsType<JsonHttpResult<ErrorResponse>>(result);
        Assert.Equal(StatusCodes.Status401Unauthorized, json.StatusCode);
        Assert.Equal(error, json.Value!.Error);
        Assert.Equal("Bearer", context.Response.Headers.WWWAuthenticate.ToString());
    }

    private static (object? Result, bool NextCalled, HttpContext Context) Invoke(string configuredToken, string? header)
    {
        var context = new DefaultHttpContext();
        if (header is not null) context.Request.Headers.Authorization = header;
        var check = new BearerTokenCheck(new FixedOptions(new ScoutOptions { AuthToken = configuredToken }));
        // As the analytics functions use it: a denial is the answer, else the function runs ("next").
        var denial = check.Deny(context);
        return (denial ?? Next, denial is null, context);
    }
}
