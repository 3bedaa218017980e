using Microsoft.Extensions.Options;

namespace Scout.Configuration;

public static class ConfigurationServices
{
    /// <summary>ScoutOptions bound from configuration, reloaded whenever it changes (a ScoutProfile applied or removed).</summary>
    public static IServiceCollection AddScoutOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ScoutOptions>().Configure<IConfiguration>((o, config) => ScoutEnvironment.Bind(config, o));
        services.AddSingleton<IOptionsChangeTokenSource<ScoutOptions>>(new ConfigurationChangeTokenSource<ScoutOptions>(configuration));
        return services;
    }
}
