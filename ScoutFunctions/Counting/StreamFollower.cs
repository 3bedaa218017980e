using System.Globalization;
using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Redis;
using StackExchange.Redis;

namespace Scout.Counting;

/// <summary>
/// Where the producers' stream stands (Redis 7's XINFO STREAM): its newest ID, the newest ID XDEL removed, how many
/// entries were ever added and how many it holds. Trimming (XTRIM, XADD MAXLEN) removes from the front and moves no
/// max-deleted ID, so the first entry held is number <c>EntriesAdded - Length + 1</c> of all ever added.
/// </summary>
public sealed record StreamMark(bool Exists, string LastId, string MaxDeletedId, long EntriesAdded, long Length)
{
    public long FirstHeld => EntriesAdded - Length + 1;

    /// <summary>
    /// Whether entries after <paramref name="position"/> (entry number <paramref name="sequence"/>) are gone: deleted with
    /// XDEL, or trimmed from the front past it. A negative sequence means not known (only XDEL is checked then).
    /// </summary>
    public bool LostAfter(string position, long sequence) =>
        StreamFollower.Compare(MaxDeletedId, position) > 0 || (Exists && sequence >= 0 && FirstHeld > sequence + 1);
}

/// <summary>A page of the stream: the entries naming documents, the last ID and entry number read, and whether entries were lost.</summary>
public sealed record StreamPage(IReadOnlyList<StreamEntryKey> Entries, string LastId, long Sequence, bool Lost);

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
            return new StreamMark(true, info.LastGeneratedId.ToString(), info.MaxDeletedEntryId.IsNull ? "0-0" : info.MaxDeletedEntryId.ToString(),
                info.EntriesAdded, info.Length);
        }
        catch (RedisServerException missing) when (missing.Message.Contains("no such key", StringComparison.OrdinalIgnoreCase))
        {
            return new StreamMark(false, "0-0", "0-0", 0, 0);
        }
    }

    /// <summary>
    /// Up to <paramref name="count"/> entries after <paramref name="cursor"/> (exclusive), oldest first, the number of the
    /// last one read, and whether entries after the cursor were removed before they could be read. XINFO is sent right
    /// behind the XRANGE.
    /// </summary>
    public async Task<StreamPage> ReadAfterAsync(StreamCursor cursor, int count)
    {
        var (position, sequence) = (cursor.Position, cursor.Sequence);
        var read = redis.Database.StreamRangeAsync(Stream, "(" + position, "+", count);
        var mark = MarkAsync();
        var entries = await read;
        var lost = (await mark).LostAfter(position, sequence);
        if (entries.Length == 0) return new StreamPage([], position, sequence, lost);
        var keys = entries
            .Select(e => new StreamEntryKey(e.Id.ToString(), e[MessageIdField].ToString()))
            .Where(e => e.Key.Length > 0)
            .ToList();
        return new StreamPage(keys, entries[^1].Id.ToString(), sequence >= 0 ? sequence + entries.Length : -1, lost);
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
