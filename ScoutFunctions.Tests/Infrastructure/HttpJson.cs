using System.Text.Json;

namespace Scout.Tests.Infrastructure;

/// <summary>Reads a response body as JSON.</summary>
public static class HttpJson
{
    /// <summary>The parsed body, after asserting the response says it is application/json.</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return await ParseAsync(response);
    }

    /// <summary>The parsed body, whatever content type the response declares.</summary>
    public static async Task<JsonElement> ParseAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
}
