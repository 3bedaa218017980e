using System.Diagnostics;
using System.Globalization;
using NRedisStack.RedisStackCommands;
using Scout.Counting;
using StackExchange.Redis;

namespace Scout.Bench;

/// <summary>
/// A producer writing at a steady rate while Scout works, as homerun's producers do: the document (stamped now), then
/// its key on the stream, without a length cap. On a connection of its own; stops when disposed.
/// </summary>
public sealed class SteadyProducer : IAsyncDisposable
{
    private static readonly string[] Severities = ["info", "INFO", "warning", "error", "ERROR", "critical"];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writing;

    public long Written { get; private set; }

    private SteadyProducer(IDatabase db, string run, int perSecond) => _writing = Task.Run(() => WriteAsync(db, run, perSecond));

    public static SteadyProducer Start(IDatabase db, string run, int perSecond) => new(db, run, perSecond);

    private async Task WriteAsync(IDatabase db, string run, int perSecond)
    {
        var random = new Random(7);
        var clock = Stopwatch.StartNew();
        while (!_stop.IsCancellationRequested)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * perSecond) - Written;
            var writes = new List<Task>();
            for (var i = 0; i < due; i++) writes.Add(WriteOneAsync(db, run, random));
            await Task.WhenAll(writes);
            Written += due;
            try { await Task.Delay(50, _stop.Token); } catch (OperationCanceledException) { }
        }
    }

    private static Task WriteOneAsync(IDatabase db, string run, Random random)
    {
        var system = $"system-{random.Next(60):D2}";
        var key = $"{run}:{Guid.NewGuid()}-{system}";
        return db.JSON().SetAsync(key, "$", new
        {
            title = "new", message = "benchmark", severity = Severities[random.Next(Severities.Length)], author = "scout-bench",
            timestamp = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), system, tags = "bench",
        }).ContinueWith(_ => db.StreamAddAsync(run + "_stream", StreamFollower.MessageIdField, key), TaskScheduler.Default).Unwrap();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _writing;
        _stop.Dispose();
    }
}
