using Microsoft.Extensions.Options;
using Prometheus;
using Scout.Alerting;
using Scout.Analytics;
using Scout.Configuration;
using Scout.Functions;
using Scout.Hosting;
using Scout.Http;
using Scout.Observability;
using Scout.Profile;
using Scout.Redis;
using Scout.Retention;

/// <summary>The composition root: every service, function and route of Scout is wired here.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (ConfigurationError error)
        {
            Console.Error.WriteLine(error.Message);
            return 2;
        }
        return await RunAsync(app);
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
        builder.WebHost.UseUrls(builder.Configuration["urls"] ?? builder.Configuration["ASPNETCORE_URLS"] ?? $"http://*:{options.Port}");
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(25));
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = ScoutJson.Options.DefaultIgnoreCondition;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ScoutJsonContext.Default);
        });

        builder.Services.AddOptions<ScoutOptions>().Configure<IConfiguration>((o, config) => ScoutSettings.Bind(config, o));
        builder.Services.AddSingleton<IOptionsChangeTokenSource<ScoutOptions>>(new ConfigurationChangeTokenSource<ScoutOptions>(builder.Configuration));
        builder.Services.AddSingleton(profileValues);
        builder.Services.AddSingleton<ScoutProfileService>();
        // Registered before the timer host: hosted services start in order, so the profile applies before the first run.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ScoutProfileService>());
        builder.Services.AddSingleton(host);
        builder.Services.AddSingleton(build);
        builder.Services.AddSingleton(new ProcessStart(DateTimeOffset.UtcNow));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ScoutMetrics>();
        builder.Services.AddSingleton<SnapshotGauges>();
        builder.Services.AddSingleton<HttpRequestMetrics>();
        builder.Services.AddSingleton<RedisConnection>();
        builder.Services.AddSingleton<ISearchIndex, RediSearchIndex>();
        builder.Services.AddSingleton<ISnapshotStore, RedisSnapshotStore>();
        builder.Services.AddSingleton<SnapshotCache>();
        builder.Services.AddSingleton<BearerTokenFilter>();
        // Like the Functions host: timer state in AzureWebJobsStorage when it is set, else in Redis.
        if (builder.Configuration["AzureWebJobsStorage"] is { Length: > 0 } storage)
            builder.Services.AddSingleton<ITimerStore>(BlobTimerStore.Create(storage, host.HostId));
        else
            builder.Services.AddSingleton<ITimerStore, RedisTimerStore>();
        builder.Services.AddSingleton<AnalyticsAggregator>();
        builder.Services.AddSingleton<ITimerFunction, AggregateAnalyticsFunction>();
        builder.Services.AddSingleton<RetentionPruner>();
        builder.Services.AddSingleton<ITimerFunction, PruneRetentionFunction>();
        builder.Services.AddSingleton<AlertCooldowns>();
        builder.Services.AddSingleton<PitcherClient>();
        builder.Services.AddSingleton<AlertEvaluator>();
        builder.Services.AddSingleton<ITimerFunction, EvaluateAlertsFunction>();
        builder.Services.AddHttpClient(PitcherClient.ClientName).AddStandardResilienceHandler(resilience =>
        {
            resilience.Retry.MaxRetryAttempts = options.AlertRetries;
            resilience.AttemptTimeout.Timeout = options.AlertTimeout;
            resilience.TotalRequestTimeout.Timeout = options.AlertTimeout * (options.AlertRetries + 1) + TimeSpan.FromSeconds(30);
            resilience.CircuitBreaker.SamplingDuration = options.AlertTimeout * 2 + TimeSpan.FromSeconds(30);
        });
        builder.Services.AddHostedService<TimerHost>();
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
        overrideServices?.Invoke(builder.Services);

        var app = builder.Build();

        var metrics = app.Services.GetRequiredService<ScoutMetrics>();
        app.Services.GetRequiredService<SnapshotGauges>().Register();
        if (options.AuthToken.Length == 0)
            app.Logger.LogWarning("AUTH_TOKEN is empty: the analytics API is unauthenticated");

        app.UseJsonStatusPages();
        var httpMetrics = app.Services.GetRequiredService<HttpRequestMetrics>();
        app.Use(httpMetrics.InvokeAsync);
        var functions = app.MapGroup(host.RoutePrefix.Length == 0 ? "" : "/" + host.RoutePrefix);
        functions.MapServiceFunctions(host, metrics);
        functions.MapAnalyticsFunctions(host);
        return app;
    }
}
