namespace Scout.OpenApi;

public static class OpenApiServices
{
    /// <summary>The OpenAPI document of the HTTP functions, built once at its first request.</summary>
    public static IServiceCollection AddOpenApiDocument(this IServiceCollection services) => services.AddSingleton<OpenApiDocument>();
}
