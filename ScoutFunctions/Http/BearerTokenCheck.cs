using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Scout.Configuration;

namespace Scout.Http;

/// <summary>Bearer auth for the analytics functions: scheme case-insensitive, token compared in constant time.</summary>
public sealed class BearerTokenCheck(IOptionsMonitor<ScoutOptions> options)
{
    /// <summary>The 401 answer when the request does not carry the configured token, else null (let it through).</summary>
    public IResult? Deny(HttpContext context)
    {
        var expected = options.CurrentValue.AuthToken;
        if (expected.Length == 0) return null;

        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length == 0) return Unauthorized(context, "missing authorization header");

        var space = header.IndexOf(' ');
        var scheme = space < 0 ? header : header[..space];
        var token = space < 0 ? "" : header[(space + 1)..].Trim();
        if (!scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || !TokenEquals(token, expected))
            return Unauthorized(context, "invalid token");
        return null;
    }

    /// <summary>
    /// Constant time in what the caller does not know: the given token is laid over a buffer of the expected
    /// token's length, byte by byte over that whole length, and compared in full, so neither the content nor
    /// the length of the expected token changes the time taken.
    /// </summary>
    internal static bool TokenEquals(string given, string expected)
    {
        var expectedBytes = MemoryMarshal.AsBytes(expected.AsSpan());
        var givenBytes = MemoryMarshal.AsBytes(given.AsSpan());
        var candidate = expectedBytes.Length <= 1024 ? stackalloc byte[expectedBytes.Length] : new byte[expectedBytes.Length];
        // Not a copy of min(given, expected) bytes: its cost would grow up to the expected length, then stop.
        for (var i = 0; i < candidate.Length; i++) candidate[i] = i < givenBytes.Length ? givenBytes[i] : (byte)0;
        return CryptographicOperations.FixedTimeEquals(candidate, expectedBytes) & (givenBytes.Length == expectedBytes.Length);
    }

    private static IResult Unauthorized(HttpContext context, string error)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return TypedResults.Json(new ErrorResponse(error), HttpJson.Default.ErrorResponse, statusCode: StatusCodes.Status401Unauthorized);
    }
}
