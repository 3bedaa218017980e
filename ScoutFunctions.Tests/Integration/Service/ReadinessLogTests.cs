using System.Net;
using Microsoft.Extensions.Logging;
using Scout.Redis;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Service;

/// <summary>What an operator reads while probes fail: the change of readiness once, at Warning, not an Error per probe.</summary>
[Trait(ScoutProcess.Trait, ScoutProcess.SelfHost)]
public sealed class ReadinessLogTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Readiness_logs_each_change_of_state_once_at_warning_and_no_error_per_failing_probe()
    {
        var port = redis.Port;
        await redis.StopAsync();
        try
        {
            await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(port));
            for (var probe = 0; probe < 4; probe++)
                Assert.Equal(HttpStatusCode.ServiceUnavailable, (await app.Client.GetAsync("/health/ready")).StatusCode);

            // A native Scout's lines reach the test through its console pipe, after the response.
            await Messages.EventuallyAsync(() => Task.FromResult(app.Logs.From<ReadinessLog>().Any()), "the change is logged");
            var notReady = Assert.Single(app.Logs.From<ReadinessLog>());
            Assert.Equal(LogLevel.Warning, notReady.Level);
            Assert.StartsWith($"Not ready: redis: redis 127.0.0.1:{port} unreachable: ", notReady.Message);
            Assert.DoesNotContain(app.Logs.Entries, e => e.Category.Contains("HealthChecks") && e.Level >= LogLevel.Warning);

            await redis.StartAsync(port);
            await Messages.EventuallyAsync(async () => (await app.Client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
                "ready once redis is back", seconds: 30);
            for (var probe = 0; probe < 3; probe++)
                Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/health/ready")).StatusCode);

            await Messages.EventuallyAsync(() => Task.FromResult(app.Logs.From<ReadinessLog>().Count() >= 2), "the change back is logged");
            var changes = app.Logs.From<ReadinessLog>().ToList();
            Assert.Equal(2, changes.Count);
            Assert.Equal(LogLevel.Warning, changes[1].Level);
            Assert.StartsWith("Ready again: redis: redis answered", changes[1].Message);
        }
        finally
        {
            await redis.StartAsync(port);
        }
    }
}
