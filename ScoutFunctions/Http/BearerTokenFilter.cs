using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Scout.Configuration;

namespace Scout.Http;

/// <summary>Bearer auth for the analytics group: scheme case-insensitive, token compared in constant time.</summary>
public sealed class BearerTokenFilter(IOptionsMonitor<ScoutOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = options.CurrentValue.AuthToken;
        if (expected.Length == 0) return await next(context);

        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        if (header.Length == 0) return Unauthorized(context.HttpContext, "missing authorization header");

        var space = header.IndexOf(' ');
        var scheme = space < 0 ? header : header[..space];
        var token = space < 0 ? "" : header[(space + 1)..].Trim();
        if (!scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || !TokenEquals(token, expected))
            return Unauthorized(context.HttpContext, "invalid token");
        return await next(context);
    }

    /// <summary>Hashing first gives equal-length inputs, so neither content nor length leaks through timing.</summary>
    internal static bool TokenEquals(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static IResult Unauthorized(HttpContext context, string error)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return TypedResults.Json(new ErrorResponse(error), statusCode: StatusCodes.Status401Unauthorized);
    }
}
