using FunctionsSelfHost;
using FunctionsSelfHost.Http;
using FunctionsSelfHost.Settings;
using Microsoft.Azure.Functions.Worker.Builder;
using Scout.Alerting;
using Scout.Analytics;
using Scout.Caching;
using Scout.Configuration;
using Scout.Counting;
using Scout.Functions;
using Scout.Http;
using Scout.Observability;
using Scout.OpenApi;
using Scout.Profile;
using Scout.Redis;
using Scout.Retention;
using Scout.Search;

/// <summary>
/// The composition root. Scout runs under one of two hosts: the Functions host, which starts it as its isolated worker,
/// or the portable self-host (FunctionsSelfHost), which runs the same [Function] methods itself. Both set Scout up
/// with <see cref="AddScout"/>.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        try
        {
            if (FunctionsWorkerLaunch.IsRequested(args))
            {
                if (FunctionsWorkerBuild.IsSupported) return await RunAsFunctionsWorkerAsync(args);
                Console.Error.WriteLine("This build is Scout's native self-host; the Functions host needs the managed worker (Dockerfile.functions).");
                return 2;
            }
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
    /// The self-host: Kestrel routes to the HTTP functions, the timer host runs the timer functions. Tests pass
    /// <paramref name="settings"/> (above the environment, below a ScoutProfile) and may replace services, e.g. the
    /// RediSearch adapter, which needs Redis Stack.
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
        var (options, functions) = builder.AddScout(settings);
        builder.WebHost.UseUrls(builder.Configuration["urls"] ?? builder.Configuration["ASPNETCORE_URLS"] ?? $"http://*:{options.Port}");
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(25));
        // After AddScout: the profile service, registered there, starts before the timer host.
        builder.Services.AddSelfHostedTimers(functions);
        overrideServices?.Invoke(builder.Services);

        var app = builder.Build();
        ScoutLogging.LogStartup(app.Logger, options, app.Services.GetRequiredService<BuildInfo>());
        if (options.AuthToken.Length == 0)
            app.Logger.LogWarning("AUTH_TOKEN is empty: the analytics API is unauthenticated");
        app.UseJsonStatusPages();
        app.Use(app.Services.GetRequiredService<HttpRequestMetrics>().InvokeAsync);
        app.MapHttpFunctions(functions.Table, functions.Host);
        return app;
    }

    /// <summary>
    /// The Functions host's isolated worker: the host owns schedules, singleton locks, schedule status and the HTTP front
    /// door; the worker runs the same [Function] methods with the same services.
    /// </summary>
    private static async Task<int> RunAsFunctionsWorkerAsync(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        // The host passes the app settings as environment variables; defaults and host.json are read as self-hosted.
        var (options, _) = builder.AddScout();
        // Outermost in the worker's ASP.NET Core pipeline: it sees each proxied request's final status code.
        builder.Services.AddSingleton<IStartupFilter, WorkerHttpMetrics>();
        using var app = builder.Build();
        ScoutLogging.LogStartup(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(BuildInfo.ServiceName), options,
            app.Services.GetRequiredService<BuildInfo>());
        await app.RunAsync();
        return 0;
    }

    /// <summary>
    /// What both hosts set up alike, in this order: settings (defaults, host.json, local.settings.json, the environment,
    /// then <paramref name="settings"/>, then a ScoutProfile), the banner and logging, then each concern's services.
    /// </summary>
    internal static (ScoutOptions Options, FunctionsApp Functions) AddScout(
        this IHostApplicationBuilder builder, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        var profile = builder.Configuration.AddProfileSource();
        // Inserts its sources below all of the above, then reads host.json's settings through every source.
        var functions = builder.AddFunctionsApp(new SelfHostOptions
        {
            FunctionClasses = ScoutFunctionClasses.All,
            AppName = BuildInfo.ServiceName,
            SettingDefaults = ScoutSchedules.SettingDefaults,
            Schedules = ScoutSchedules.Conventions,
        });

        var options = ScoutEnvironment.Load(builder.Configuration);
        var build = BuildInfo.FromAssembly();
        ScoutLogging.PrintBanner(options, build, Console.Out);
        builder.Logging.AddScoutLogging(options, logLevelSet: !string.IsNullOrWhiteSpace(builder.Configuration["LOG_LEVEL"]));

        builder.Services
            .AddScoutOptions(builder.Configuration)
            .AddProfile(profile)
            .AddObservability(build)
            .AddRedis()
            .AddTimerStore(builder.Configuration, functions.Host, sp => sp.GetRequiredService<RedisConnection>().Database, ScoutKeys.Prefix)
            .AddHeldReads()
            .AddSearch()
            .AddCounting()
            .AddAnalytics()
            .AddRetention()
            .AddAlerting(options)
            .AddHttpApi()
            .AddOpenApiDocument();
        return (options, functions);
    }
}

/// <summary>
/// Whether this build can run as the Functions host's isolated worker. The native AOT publish of the self-host turns it
/// off (ScoutFunctions.csproj), so the worker, its gRPC client and MVC are trimmed away rather than compiled.
/// </summary>
internal static class FunctionsWorkerBuild
{
    public const string Switch = "Scout.FunctionsWorker.IsSupported";

    [System.Diagnostics.CodeAnalysis.FeatureSwitchDefinition(Switch)]
    public static bool IsSupported => !AppContext.TryGetSwitch(Switch, out var supported) || supported;
}
