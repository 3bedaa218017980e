using System.Text.Json;
using Scout.Samples.Producer;
using Scout.Tests.Contract;
using Scout.Tests.Infrastructure;
using Xunit.Abstractions;
using Scout.Tests.Integration.Service;

namespace Scout.Tests.Integration.EndToEnd;

/// <summary>
/// The README's quick start without Docker: the sample producer writes to a Redis Stack (its own, as the producer's
/// index has no PREFIX), Scout runs as the documented ACL user, and what Scout serves equals what the producer says it
/// wrote: first what was there before Scout started (its full pass), then what arrives while it runs (the stream).
/// </summary>
[Trait(ScoutProcess.Trait, ScoutProcess.SelfHost)]
public sealed class SampleProducerTests(ITestOutputHelper output)
{
    [RedisStackModulesFact]
    public async Task Scout_counts_exactly_what_the_sample_producer_wrote()
    {
        await using var stack = await AclRedisStack.StartAsync();
        var producer = new SampleProducer(stack.Database,
            new ProducerOptions(Rate: 200, Systems: 5, Duration: TimeSpan.FromSeconds(1), Seed: 3, Backfill: 150), TimeProvider.System);
        await producer.RunAsync(CancellationToken.None);
        output.WriteLine("before Scout: " + producer.Report);

        await using var scout = await ScoutApp.StartAsync(ScoutApp.Settings(stack.Port,
            [.. AclRedisStack.ScoutEnvironment, ("SCOUT_INTERVAL", "1s"), ("SCOUT_RETENTION_ENABLED", "false")]), output: output);
        await AssertServedAsync(scout, producer.Report);

        // While Scout runs: counted from the stream by the next cycles.
        await producer.RunAsync(CancellationToken.None);
        output.WriteLine("while Scout runs: " + producer.Report);
        await AssertServedAsync(scout, producer.Report);
        Assert.Contains("homerun2_scout_stream_entries_counted_total", await scout.Client.GetStringAsync("/metrics"));
    }

    private static async Task AssertServedAsync(ScoutApp scout, ProducerReport wrote)
    {
        JsonElement summary = default;
        await Messages.EventuallyAsync(async () =>
        {
            var answer = await scout.Client.SendAsync(scout.Get("/analytics/summary"));
            if (!answer.IsSuccessStatusCode) return false;
            summary = await HttpJson.ReadAsync(answer);
            return summary.GetProperty("totalMessages").GetInt64() == wrote.Total;
        }, $"Scout serves the {wrote.Total} messages the producer wrote", seconds: 20);
        var served = summary.GetProperty("severityCounts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.Equal(wrote.Severities.OrderBy(s => s.Key), served.OrderBy(s => s.Key));
        var systems = await HttpJson.ReadAsync(await scout.Client.SendAsync(scout.Get("/analytics/systems")));
        Assert.Equal(wrote.Systems.Count, systems.GetProperty("total").GetInt32());
    }
}
