using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Service;

/// <summary>A host that stopped because a background service failed exits non-zero, so Kubernetes sees a crash.</summary>
[Collection(RedisCollection.Name)]
public sealed class ExitCodeTests(RedisServerFixture redis)
{
    [Fact]
    public async Task A_failed_background_service_stops_the_host_with_exit_code_1()
    {
        await redis.FlushAsync();
        var app = Program.Build([], ScoutApp.Settings(redis.Port), services =>
        {
            // The host logs the simulated failure (a Critical with its stack trace): to the test, not the console.
            TestLogging.RouteAwayFromConsole(services, new CapturedLogs());
            services.AddHostedService<FailingService>();
        });
        var exitCode = await Program.RunAsync(app).WaitAsync(TimeSpan.FromSeconds(40));
        Assert.Equal(1, exitCode);
    }

    private sealed class FailingService : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(200, stoppingToken);
            throw new InvalidOperationException("simulated failure");
        }
    }
}
