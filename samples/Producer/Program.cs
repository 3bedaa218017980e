using System.CommandLine;
using System.Runtime.InteropServices;
using Scout.Samples.Producer;
using StackExchange.Redis;

// dotnet run --project samples/Producer -- [--rate 20] [--systems 8] [--duration 60s] [--seed 1] [--backfill 500] [--backfill-span 24h]
// (--help lists them). Redis from REDIS_ADDR / REDIS_PORT / REDIS_PASSWORD (defaults localhost:6379), like Scout; index and
// stream from REDISEARCH_INDEX / SCOUT_STREAM (default messages). The backfill spreads over the past day by default, inside
// Scout's 48 h retention. Ctrl+C, SIGTERM (docker stop) or the end of --duration stops it and prints what it wrote.
var command = ProducerCommand.Create(RunAsync);
// The producer handles Ctrl+C and SIGTERM itself (stop writing, print the report, exit 0): System.CommandLine must not.
return await command.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;

static async Task<int> RunAsync(ProducerOptions commandLine)
{
    var index = Env("REDISEARCH_INDEX", "messages");
    var options = commandLine with { Index = index, Stream = Env("SCOUT_STREAM", index) };
    var (host, port) = (Env("REDIS_ADDR", "localhost"), Env("REDIS_PORT", "6379"));
    var endpoint = $"{host}:{port}";
    await using var redis = await ConnectOrExplainAsync(host, port);
    if (redis is null) return 1;
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
    // docker stop and kill send SIGTERM: stop writing and print the report as on Ctrl+C.
    using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal => { signal.Cancel = true; stop.Cancel(); });
    var producer = new SampleProducer(redis.GetDatabase(), options, TimeProvider.System);
    Console.Error.WriteLine($"writing {options.Rate}/s over {options.Systems} systems to {endpoint} (index {options.Index}, stream {options.Stream}); Ctrl+C stops and prints what was written");
    await producer.RunAsync(stop.Token);
    Console.WriteLine(producer.Report);
    return 0;
}

/// <summary>The connection, or null after one line on stderr naming the address and why (no stack trace).</summary>
static async Task<ConnectionMultiplexer?> ConnectOrExplainAsync(string host, string port)
{
    try
    {
        return await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { $"{host}:{port}" }, Password = Env("REDIS_PASSWORD", ""), ClientName = "sample-producer",
        });
    }
    catch (RedisConnectionException failed)
    {
        Console.Error.WriteLine($"cannot connect to Redis at {host}:{port}: {await ConnectFailure.CauseAsync(failed, host, port)}");
        return null;
    }
}
