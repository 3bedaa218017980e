namespace Scout.Profile;

public static class ProfileServices
{
    /// <summary>
    /// The ScoutProfile's values as the last configuration source, so they win over the environment and reload the
    /// options when they change. Added after every other source.
    /// </summary>
    public static ProfileConfigurationProvider AddProfileSource(this IConfigurationBuilder configuration)
    {
        var values = new ProfileConfigurationProvider();
        configuration.Add(new ProfileConfigurationSource(values));
        return values;
    }

    /// <summary>
    /// The service that loads and watches the ScoutProfile. Registered before the self-host's timer host: hosted services
    /// start in order, so the profile applies before the first run.
    /// </summary>
    public static IServiceCollection AddProfile(this IServiceCollection services, ProfileConfigurationProvider values)
    {
        services.AddSingleton(values);
        services.AddSingleton<ScoutProfileService>();
        services.AddHostedService(sp => sp.GetRequiredService<ScoutProfileService>());
        return services;
    }
}
