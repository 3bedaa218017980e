using System.Globalization;
using Scout.Samples.Producer;
using StackExchange.Redis;

// dotnet run --project samples/Producer -- [--rate 20] [--systems 8] [--duration 60s] [--seed 1] [--backfill 500] [--backfill-span 24h]
// Redis from REDIS_ADDR / REDIS_PORT / REDIS_PASSWORD (defaults localhost:6379), like Scout; index and stream from
// REDISEARCH_INDEX / SCOUT_STREAM (default messages). The backfill spreads over the past day by default, inside Scout's
// 48 h retention. Ctrl+C, SIGTERM (docker stop) or the end of --duration stops it and prints what it wrote.
var arguments = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a[2..], p => p.i + 1 < args.Length ? args[p.i + 1] : "");
string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;
double Number(string name, double fallback) =>
    arguments.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
TimeSpan? Span(string name)
{
    if (!arguments.TryGetValue(name, out var v)) return null;
    // 90, 90s, 30m, 24h
    var unit = v[^1] switch { 'h' => 3600, 'm' => 60, _ => 1 };
    return TimeSpan.FromSeconds(double.Parse(v.TrimEnd('s', 'm', 'h'), CultureInfo.InvariantCulture) * unit);
}

var index = Env("REDISEARCH_INDEX", "messages");
var options = new ProducerOptions(index, Env("SCOUT_STREAM", index), Number("rate", 20), (int)Number("systems", 8), Span("duration"),
    (int)Number("seed", 1), (int)Number("backfill", 0), Span("backfill-span"));
var endpoint = $"{Env("REDIS_ADDR", "localhost")}:{Env("REDIS_PORT", "6379")}";
await using var redis = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
{
    EndPoints = { endpoint }, Password = Env("REDIS_PASSWORD", ""), ClientName = "sample-producer",
});
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
// docker stop and kill send SIGTERM: stop writing and print the report as on Ctrl+C.
using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, signal => { signal.Cancel = true; stop.Cancel(); });
var producer = new SampleProducer(redis.GetDatabase(), options, TimeProvider.System);
Console.Error.WriteLine($"writing {options.Rate}/s over {options.Systems} systems to {endpoint} (index {options.Index}, stream {options.Stream}); Ctrl+C stops and prints what was written");
await producer.RunAsync(stop.Token);
Console.WriteLine(producer.Report);
