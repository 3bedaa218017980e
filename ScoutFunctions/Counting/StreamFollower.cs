using System.Globalization;
using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Redis;
using StackExchange.Redis;

namespace Scout.Counting;

/// <summary>Where the producers' stream stands: its newest ID and the newest ID removed from it (Redis 7's XINFO STREAM).</summary>
public sealed record StreamMark(bool Exists, string LastId, string MaxDeletedId);

/// <summary>A stream entry naming a message document (field messageID).</summary>
public sealed record StreamEntryKey(string Id, string Key);

/// <summary>Reads what the producers appended to SCOUT_STREAM after a position, and tells when entries were lost before Scout read them.</summary>
public sealed class StreamFollower(RedisConnection redis, IOptionsMonitor<ScoutOptions> options)
{
    public const string MessageIdField = "messageID";

    private string Stream => options.CurrentValue.Stream;

    public async Task<StreamMark> MarkAsync()
    {
        try
        {
            var info = await redis.Database.StreamInfoAsync(Stream);
            return new StreamMark(true, info.LastGeneratedId.ToString(), info.MaxDeletedEntryId.IsNull ? "0-0" : info.MaxDeletedEntryId.ToString());
        }
        catch (RedisServerException missing) when (missing.Message.Contains("no such key", StringComparison.OrdinalIgnoreCase))
        {
            return new StreamMark(false, "0-0", "0-0");
        }
    }

    /// <summary>Up to <paramref name="count"/> entries after <paramref name="position"/> (exclusive), oldest first.</summary>
    public async Task<(IReadOnlyList<StreamEntryKey> Entries, string LastId)> ReadAfterAsync(string position, int count)
    {
        var entries = await redis.Database.StreamRangeAsync(Stream, "(" + position, "+", count);
        if (entries.Length == 0) return ([], position);
        var keys = entries
            .Select(e => new StreamEntryKey(e.Id.ToString(), e[MessageIdField].ToString()))
            .Where(e => e.Key.Length > 0)
            .ToList();
        return (keys, entries[^1].Id.ToString());
    }

    /// <summary>Orders stream IDs ("ms-seq") numerically.</summary>
    public static int Compare(string a, string b) => Parse(a).CompareTo(Parse(b));

    private static (ulong, ulong) Parse(string id)
    {
        var dash = id.IndexOf('-');
        return dash < 0
            ? (ulong.Parse(id, CultureInfo.InvariantCulture), 0)
            : (ulong.Parse(id[..dash], CultureInfo.InvariantCulture), ulong.Parse(id[(dash + 1)..], CultureInfo.InvariantCulture));
    }
}
