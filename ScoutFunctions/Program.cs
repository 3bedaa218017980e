using Microsoft.Extensions.Options;
using Scout.Alerting;
using Scout.Analytics;
using Scout.Caching;
using Scout.Configuration;
using Scout.Functions;
using Scout.Hosting;
using Scout.Http;
using Scout.Observability;
using Scout.OpenApi;
using Scout.Profile;
using Scout.Redis;
using Scout.Retention;

/// <summary>The composition root: every service, function and route of Scout is wired here.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        try
        {
            // Started by the Functions host: run as its isolated worker. Otherwise host the same functions here.
            if (FunctionsWorker.IsRequested(args)) return await FunctionsWorker.RunAsync(args);
            return await RunAsync(Build(args));
        }
        catch (ConfigurationError error)
        {
            Console.Error.WriteLine(error.Message);
            return 2;
        }
    }

    /// <summary>Runs until shutdown; exit code 1 when the host stopped because a background service failed.</summary>
    public static async Task<int> RunAsync(WebApplication app)
    {
        // Resolved before running: the host disposes its services when RunAsync returns.
        var background = app.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
        await app.RunAsync();
        return background.Any(s => s.ExecuteTask is { IsFaulted: true }) ? 1 : 0;
    }

    /// <summary>
    /// Builds the app. Tests pass <paramref name="settings"/> (above the environment, below a ScoutProfile)
    /// and may replace services, e.g. the RediSearch adapter, which needs Redis Stack.
    /// </summary>
    public static WebApplication Build(
        string[] args,
        IEnumerable<KeyValuePair<string, string?>>? settings = null,
        Action<IServiceCollection>? overrideServices = null)
    {
        // The slim builder leaves out what Scout does not use (IIS, hosting startup assemblies, regex route
        // constraints): about 25 ms less start-up on 2 cores (bench/run.sh, cold start).
        var builder = WebApplication.CreateSlimBuilder(args);
        // ASPNETCORE_URLS may name an https:// address (with Kestrel__Certificates__Default__*), as with the full builder.
        builder.WebHost.UseKestrelHttpsConfiguration();
        var (options, host) = AddScout(builder, settings);
        builder.WebHost.UseUrls(builder.Configuration["urls"] ?? builder.Configuration["ASPNETCORE_URLS"] ?? $"http://*:{options.Port}");
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(25));
        // The self-host runs the timer functions of the table itself (the Functions host does, under it).
        foreach (var timer in FunctionTable.Scout.Timers)
            builder.Services.AddSingleton<ITimerFunction>(sp => new AttributedTimerFunction(new FunctionInvoker(timer, sp), host.Settings));
        builder.Services.AddHostedService<TimerHost>();
        overrideServices?.Invoke(builder.Services);

        var app = builder.Build();

        app.Services.GetRequiredService<SnapshotGauges>().Register();
        if (options.AuthToken.Length == 0)
            app.Logger.LogWarning("AUTH_TOKEN is empty: the analytics API is unauthenticated");

        app.UseJsonStatusPages();
        var httpMetrics = app.Services.GetRequiredService<HttpRequestMetrics>();
        app.Use(httpMetrics.InvokeAsync);
        app.MapHttpFunctions(FunctionTable.Scout, host);
        return app;
    }

    /// <summary>
    /// What both hosts set up alike: settings (defaults, host.json, local.settings.json, the environment, then
    /// <paramref name="settings"/>, then a ScoutProfile), the banner and logging, and every service but the self-host's
    /// timer host: options, the profile, Redis adapters, the domain, metrics and health checks.
    /// </summary>
    internal static (ScoutOptions Options, FunctionsHostSettings Host) AddScout(
        IHostApplicationBuilder builder, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        builder.Configuration.AddFunctionsAppSettings(AppContext.BaseDirectory);
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        // Last source, so a ScoutProfile's values win over the environment and reload the options when they change.
        var profileValues = new ProfileConfigurationProvider();
        ((IConfigurationBuilder)builder.Configuration).Add(new ProfileConfigurationSource(profileValues));

        var options = ScoutSettings.Load(builder.Configuration);
        var host = FunctionsHostSettings.From(builder.Configuration);

        var build = BuildInfo.FromAssembly();
        ScoutLogging.PrintBanner(options, build, Console.Out);
        builder.Logging.AddScoutLogging(options, logLevelSet: !string.IsNullOrWhiteSpace(builder.Configuration["LOG_LEVEL"]));
        AddScoutServices(builder.Services, builder.Configuration, options, host, build, profileValues);
        return (options, host);
    }

    private static void AddScoutServices(IServiceCollection services, IConfiguration configuration, ScoutOptions options,
        FunctionsHostSettings host, BuildInfo build, ProfileConfigurationProvider profileValues)
    {
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = ScoutJson.Options.DefaultIgnoreCondition;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ScoutJsonContext.Default);
        });

        services.AddOptions<ScoutOptions>().Configure<IConfiguration>((o, config) => ScoutSettings.Bind(config, o));
        services.AddSingleton<IOptionsChangeTokenSource<ScoutOptions>>(new ConfigurationChangeTokenSource<ScoutOptions>(configuration));
        services.AddSingleton(profileValues);
        services.AddSingleton<ScoutProfileService>();
        // Registered before the self-host's timer host: hosted services start in order, so the profile applies before the first run.
        services.AddHostedService(sp => sp.GetRequiredService<ScoutProfileService>());
        services.AddSingleton(host);
        services.AddSingleton(build);
        services.AddSingleton(new ProcessStart(DateTimeOffset.UtcNow));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ScoutMetrics>();
        services.AddSingleton<SnapshotGauges>();
        services.AddSingleton<HttpRequestMetrics>();
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<ISearchIndex, RediSearchIndex>();
        services.AddSingleton<ISnapshotStore, RedisSnapshotStore>();
        services.AddSingleton<HeldReads>();
        services.AddSingleton<SnapshotCache>();
        services.AddSingleton<TimerStatusReads>();
        services.AddSingleton<BearerTokenFilter>();
        services.AddSingleton<RenderedViews>();
        services.AddSingleton(FunctionTable.Scout);
        services.AddSingleton<OpenApiDocument>();
        // Like the Functions host: timer state in AzureWebJobsStorage when it is set, else in Redis.
        if (configuration["AzureWebJobsStorage"] is { Length: > 0 } storage)
            services.AddSingleton<ITimerStore>(BlobTimerStore.Create(storage, host.HostId));
        else
            services.AddSingleton<ITimerStore, RedisTimerStore>();
        services.AddSingleton<Scout.Counting.CountStore>();
        services.AddSingleton<Scout.Counting.StreamFollower>();
        services.AddSingleton<Scout.Counting.MessageCounter>();
        services.AddSingleton<AnalyticsAggregator>();
        services.AddSingleton<RetentionPruner>();
        services.AddSingleton<AlertCooldowns>();
        services.AddSingleton<PitcherClient>();
        services.AddSingleton<AlertEvaluator>();
        services.AddHttpClient(PitcherClient.ClientName).AddStandardResilienceHandler(resilience =>
        {
            resilience.Retry.MaxRetryAttempts = options.AlertRetries;
            resilience.AttemptTimeout.Timeout = options.AlertTimeout;
            resilience.TotalRequestTimeout.Timeout = options.AlertTimeout * (options.AlertRetries + 1) + TimeSpan.FromSeconds(30);
            resilience.CircuitBreaker.SamplingDuration = options.AlertTimeout * 2 + TimeSpan.FromSeconds(30);
        });
        services.AddSingleton<ReadinessLog>();
        services.AddSingleton<RedisFailure>();
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
    }
}
