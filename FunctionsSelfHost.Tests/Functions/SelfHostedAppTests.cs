using System.Net;
using FunctionsSelfHost.Http;
using FunctionsSelfHost.Timers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace FunctionsSelfHost.Tests.Functions;

/// <summary>
/// The test app self-hosted as an app composes it (SelfHostServices), on a real Kestrel listener and a real
/// redis-server: HTTP functions routed under the route prefix, timer functions run on their %SETTING% schedules.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class SelfHostedAppTests(RedisServerFixture redis, ITestOutputHelper output) : IAsyncLifetime
{
    private WebApplication? _app;
    private readonly int _port = FreePort.Next();

    public Task InitializeAsync() => redis.FlushAsync();

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }

    private async Task<HttpClient> StartAsync(params (string Key, string? Value)[] settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddProvider(new TestOutputLogs(output));
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        var app = builder.AddFunctionsApp(new SelfHostOptions
        {
            FunctionClasses = TestFunctionClasses.All,
            AppName = "selfhost-tests",
            SettingDefaults = new Dictionary<string, string?> { ["TICK_SCHEDULE"] = "00:00:01" },
            Schedules = TestConventions.Schedules,
        });
        builder.WebHost.UseUrls($"http://127.0.0.1:{_port}");
        builder.Services.AddSingleton<Greeter>();
        builder.Services.AddTimerStore(builder.Configuration, app.Host, _ => redis.Database, TestKeys.Prefix);
        builder.Services.AddSelfHostedTimers(app);
        _app = builder.Build();
        _app.MapHttpFunctions(app.Table, app.Host);
        await _app.StartAsync();
        return new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };
    }

    [Fact]
    public async Task Http_functions_answer_under_the_route_prefix_with_their_services_and_route_values()
    {
        using var client = await StartAsync();
        Assert.Equal("hello ada", await client.GetStringAsync("/api/greet/ada"));
        var echo = await client.PostAsync("/api/Echo", new StringContent("ping"));
        Assert.Equal("ping", await echo.Content.ReadAsStringAsync());
        // Only the methods the trigger declares.
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await client.PostAsync("/api/greet/ada", null)).StatusCode);
    }

    [Fact]
    public async Task A_route_prefix_from_host_json_settings_and_a_disabled_function_are_followed()
    {
        using var client = await StartAsync(("extensions:http:routePrefix", "v1"), ("AzureWebJobs.Echo.Disabled", "true"));
        Assert.Equal("hello bob", await client.GetStringAsync("/v1/greet/bob"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/v1/Echo", new StringContent("x"))).StatusCode);
    }

    [Fact]
    public async Task Timer_functions_run_on_their_setting_schedule_and_record_their_status_and_a_disabled_one_does_not_run()
    {
        var before = Volatile.Read(ref TestFunctions.Ticks);
        using var _ = await StartAsync(("TICK_SCHEDULE", "1s"));
        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref TestFunctions.Ticks) >= before + 2), "Tick runs at start-up and every second");
        var store = _app!.Services.GetRequiredService<ITimerStore>();
        var record = await store.GetRecordAsync("Tick");
        Assert.NotNull(record);
        Assert.Equal(InvocationOutcome.Succeeded, record.LastOutcome);
        Assert.True(await redis.Database.KeyExistsAsync(TestKeys.Status("Tick")));
        Assert.Null(await store.GetRecordAsync("Sometimes"));
    }
}
