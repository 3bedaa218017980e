namespace Scout.Search;

public static class SearchServices
{
    /// <summary>The RediSearch adapter every reader of the producer's documents goes through.</summary>
    public static IServiceCollection AddSearch(this IServiceCollection services) =>
        services.AddSingleton<ISearchIndex, RediSearchIndex>();
}
