using FunctionsSelfHost.Functions;
using FunctionsSelfHost.Settings;
using FunctionsSelfHost.Storage;
using FunctionsSelfHost.Timers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace FunctionsSelfHost;

/// <summary>What an app gives the self-host: its functions and its conventions. The self-host reaches for nothing else.</summary>
public sealed class SelfHostOptions
{
    /// <summary>The classes whose public <c>[Function]</c> methods are the app's functions (<see cref="FunctionClass.Of{T}"/>).</summary>
    public required IReadOnlyList<FunctionClass> FunctionClasses { get; init; }

    /// <summary>The app's name: the timers' host id in shared storage derives from it unless a setting names one.</summary>
    public required string AppName { get; init; }

    /// <summary>Lowest-ranked settings, below host.json (those its schedules refer to with %SETTING%).</summary>
    public IReadOnlyDictionary<string, string?> SettingDefaults { get; init; } = new Dictionary<string, string?>();

    public ScheduleConventions Schedules { get; init; } = ScheduleConventions.None;
}

/// <summary>An app's settings as the runtime reads them, and its function table.</summary>
public sealed record FunctionsApp(HostSettings Host, FunctionTable Table);

/// <summary>The self-host's composition, in the order a host needs it.</summary>
public static class SelfHostServices
{
    /// <summary>
    /// Settings as the Functions host layers them (the app's defaults, host.json, local.settings.json, below what the
    /// builder already has), and the function table. Both hosts call it: the isolated worker reads them alike.
    /// </summary>
    public static FunctionsApp AddFunctionsApp(this IHostApplicationBuilder builder, SelfHostOptions app)
    {
        builder.Configuration.AddAppSettingFiles(AppContext.BaseDirectory, app.SettingDefaults);
        var functions = new FunctionsApp(HostSettings.From(builder.Configuration, app.AppName), FunctionTable.FromClasses(app.FunctionClasses));
        builder.Services.AddSingleton(functions.Host);
        builder.Services.AddSingleton(functions.Table);
        builder.Services.AddSingleton(app.Schedules);
        return functions;
    }

    /// <summary>
    /// Where timer state lives, like the Functions host: AzureWebJobsStorage when it is set, else the app's Redis
    /// (<paramref name="redis"/>, asked again at each use so a reconnected database is used) under <paramref name="keyPrefix"/>.
    /// </summary>
    public static IServiceCollection AddTimerStore(this IServiceCollection services, IConfiguration configuration, HostSettings host,
        Func<IServiceProvider, StackExchange.Redis.IDatabase> redis, string keyPrefix)
    {
        if (configuration["AzureWebJobsStorage"] is { Length: > 0 } storage)
            services.AddSingleton<ITimerStore>(BlobTimerStore.Create(storage, host.HostId));
        else
            services.AddSingleton<ITimerStore>(sp => new RedisTimerStore(() => redis(sp), keyPrefix));
        return services;
    }

    /// <summary>The self-host only (the Functions host runs them under it): the timer functions of the table and their host.</summary>
    public static IServiceCollection AddSelfHostedTimers(this IServiceCollection services, FunctionsApp app)
    {
        foreach (var timer in app.Table.Timers)
            services.AddSingleton<ITimerFunction>(sp =>
                new AttributedTimerFunction(new FunctionInvoker(timer, sp), app.Host.Settings, sp.GetRequiredService<ScheduleConventions>()));
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<TimerHost>();
        return services;
    }
}
