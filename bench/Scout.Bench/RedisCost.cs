using System.Globalization;
using StackExchange.Redis;

namespace Scout.Bench;

/// <summary>Round trips as the server counts them: the sum of INFO commandstats calls, before and after.</summary>
public static class RedisCost
{
    public static async Task<long> CommandCallsAsync(IServer server)
    {
        var info = await server.InfoAsync("commandstats");
        long calls = 0;
        foreach (var pair in info.SelectMany(group => group))
        {
            // cmdstat_get: calls=12,usec=34,...
            var field = pair.Value.Split(',').FirstOrDefault(f => f.StartsWith("calls=", StringComparison.Ordinal));
            if (field is not null) calls += long.Parse(field["calls=".Length..], CultureInfo.InvariantCulture);
        }
        return calls;
    }

    /// <summary>Calls made between two readings, not counting the INFO of the first reading itself.</summary>
    public static Task<long> CallsDuringAsync(IServer server, Func<Task> work) => CallsDuringAsync([server], work);

    /// <summary>The same summed over several servers (every primary of a cluster), each first INFO not counted.</summary>
    public static async Task<long> CallsDuringAsync(IReadOnlyList<IServer> servers, Func<Task> work)
    {
        var before = await Task.WhenAll(servers.Select(CommandCallsAsync));
        await work();
        var after = await Task.WhenAll(servers.Select(CommandCallsAsync));
        return after.Sum() - before.Sum() - servers.Count;
    }

    /// <summary>Sequential authenticated GETs of the summary against the running service: Redis commands per request.</summary>
    public static async Task<int> PerRequestAsync(int redisPort, Uri url, string token, int requests)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort},allowAdmin=true");
        var server = redis.GetServer("127.0.0.1", redisPort);
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        (await http.GetAsync(url)).EnsureSuccessStatusCode();
        var calls = await CallsDuringAsync(server, async () =>
        {
            for (var i = 0; i < requests; i++) (await http.GetAsync(url)).EnsureSuccessStatusCode();
        });
        Table.Row("Redis cost", "commands per GET /analytics/summary", Table.F((double)calls / requests, "F2"), "≤ 1 (one GET of the snapshot key per window and second, cached in process)");
        return 0;
    }
}
