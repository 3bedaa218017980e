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
            // The contexts only, as native AOT has it: a body type no context declares fails in every test too.
            o.SerializerOptions.TypeInfoResolverChain.Clear();
            foreach (var context in ScoutJson.Contexts) o.SerializerOptions.TypeInfoResolverChain.Add(context);
        });
        services.AddSingleton<BearerTokenCheck>();
        services.AddSingleton<RenderedViews>();
        services.AddSingleton<StatusPage.StatusPage>();
        services.AddSingleton(new ProcessStart(DateTimeOffset.UtcNow));
        return services;
    }
}
