using Scout.Health;

namespace Scout.Http;

public static class HttpApiServices
{
    /// <summary>What the HTTP functions answer with: JSON options, bearer auth, rendered views, uptime.</summary>
    public static IServiceCollection AddHttpApi(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = ScoutJson.Options.DefaultIgnoreCondition;
            foreach (var context in ScoutJson.Contexts.Reverse()) o.SerializerOptions.TypeInfoResolverChain.Insert(0, context);
        });
        services.AddSingleton<BearerTokenCheck>();
        services.AddSingleton<RenderedViews>();
        services.AddSingleton(new ProcessStart(DateTimeOffset.UtcNow));
        return services;
    }
}
