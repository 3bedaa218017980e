using System.Text.Json;

namespace Scout.Http;

public static class JsonStatusPages
{
    /// <summary>Bodiless 404/405 from routing become JSON errors, so clients always get {"error": ...}.</summary>
    public static IApplicationBuilder UseJsonStatusPages(this IApplicationBuilder app) =>
        app.UseStatusCodePages(async context =>
        {
            var response = context.HttpContext.Response;
            var error = response.StatusCode switch
            {
                StatusCodes.Status404NotFound => "not found",
                StatusCodes.Status405MethodNotAllowed => "method not allowed",
                _ => ReasonPhrase(response.StatusCode),
            };
            response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(response.Body, new ErrorResponse(error), HttpJson.Default.ErrorResponse);
        });

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status).ToLowerInvariant();
}
