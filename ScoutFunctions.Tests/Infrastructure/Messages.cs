using StackExchange.Redis;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// Seeds messages the way the hash producer stores them, under <see cref="PlainRedisSearchIndex.Prefix"/>: the document
/// alone (<see cref="AddAsync(IDatabase, string, string, string)"/>: found by a full pass), or with its stream entry
/// (<see cref="ProduceAsync"/>: counted by the next cycle).
/// </summary>
public static class Messages
{
    private static int _sequence;

    public static async Task<string> AddAsync(IDatabase database, string severity, string system, string timestamp)
    {
        var key = PlainRedisSearchIndex.Prefix + Interlocked.Increment(ref _sequence);
        await database.HashSetAsync(key, [new("severity", severity), new("system", system), new("timestamp", timestamp), new("title", "t")]);
        return key;
    }

    /// <summary>As a producer writes a message: the document, then its key on the stream (SCOUT_STREAM, by default the index name).</summary>
    public static async Task<string> ProduceAsync(IDatabase database, string severity, string system, DateTimeOffset time, string stream = "messages")
    {
        var key = await AddAsync(database, severity, system, time);
        await database.StreamAddAsync(stream, "messageID", key);
        return key;
    }

    public static Task<string> AddAsync(IDatabase database, string severity, string system, DateTimeOffset time) =>
        AddAsync(database, severity, system, time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"));

    /// <summary>Polls until the condition holds; fails the test with the message after the bound.</summary>
    public static Task EventuallyAsync(Func<Task<bool>> condition, string because, int seconds = 15) =>
        Eventually.TrueAsync(condition, because, seconds);
}
