using System.Text.Json;

namespace Scout.Tests.Infrastructure;

/// <summary>Reads a response of Scout's as JSON, after checking that the OpenAPI document describes it (<see cref="OpenApiConformance"/>).</summary>
public static class HttpJson
{
    /// <summary>The parsed body, after asserting the response says it is application/json.</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return await ParseAsync(response);
    }

    /// <summary>The parsed body, whatever content type the response declares (the document says which it may).</summary>
    public static async Task<JsonElement> ParseAsync(HttpResponseMessage response)
    {
        await OpenApiConformance.AssertDescribedAsync(response);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }
}
