using Microsoft.Extensions.Logging;
using Scout.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Scout.Tests.Integration.Service;

/// <summary>What an operator reads when Redis is unreachable: one short line naming the address tried and the cause.</summary>
[Trait(ScoutProcess.Trait, ScoutProcess.SelfHost)]
public sealed class RedisFailureLogTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_redis_connection_failure_is_one_short_line_naming_the_address_and_the_cause()
    {
        var port = FreePort.Next();
        await using var app = await ScoutApp.StartAsync(ScoutApp.Settings(port, ("SCOUT_INTERVAL", "1s")), output: output);
        await Messages.EventuallyAsync(() => Task.FromResult(app.Logs.Entries.Count(e => e.Level >= LogLevel.Warning) >= 3),
            "the timers meet the unreachable Redis", seconds: 20);

        var failures = app.Logs.Entries.Where(e => e.Level >= LogLevel.Warning).ToList();
        foreach (var failure in failures) output.WriteLine($"{failure.Message.Length}: {failure}");
        Assert.All(failures, f =>
        {
            Assert.Contains($"redis 127.0.0.1:{port}", f.Message);
            Assert.DoesNotContain("mgr:", f.Message);
            Assert.DoesNotContain("IOCP", f.Message);
            Assert.True(f.Message.Length <= 200, $"{f.Message.Length} characters: {f.Message}");
        });
    }
}
