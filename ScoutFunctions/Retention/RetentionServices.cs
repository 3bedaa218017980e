namespace Scout.Retention;

public static class RetentionServices
{
    public static IServiceCollection AddRetention(this IServiceCollection services) => services.AddSingleton<RetentionPruner>();
}
