using System.Globalization;
using System.Runtime.CompilerServices;
using Scout.Analytics;
using StackExchange.Redis;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// Stands in for RediSearch (not installable here) over a plain redis-server: messages are hashes under
/// <see cref="Prefix"/>, as the hash producer stores them, and this class answers the adapter's questions
/// the way the real engine does (lower-cased severity groups, window buckets, unparseable text
/// timestamps reported as expired candidates). The adapter's own FT.* commands and reply parsing are
/// tested against recorded replies instead.
/// </summary>
public sealed class PlainRedisSearchIndex(IDatabase database, TimestampKind timestamps = TimestampKind.Text, int pageSize = 1000) : ISearchIndex
{
    public const string Prefix = "message:";

    public int CountQueries { get; private set; }

    public int ExpiryPagesRead { get; private set; }

    /// <summary>When set, every call fails like an unreachable or broken RediSearch would.</summary>
    public Exception? Failure { get; set; }

    public static IndexDefinition Definition(TimestampKind timestamps) => new("messages", IndexKeyType.Hash, timestamps);

    public Task<IndexDefinition> EnsureIndexAsync(CancellationToken cancellationToken) =>
        Failure is null ? Task.FromResult(Definition(timestamps)) : Task.FromException<IndexDefinition>(Failure);

    public async Task<IReadOnlyList<WindowedCount>> CountByWindowAsync(IndexDefinition index, WindowPlan plan, CancellationToken cancellationToken)
    {
        if (Failure is not null) throw Failure;
        CountQueries++;
        var groups = new Dictionary<(string, string, int), long>();
        await foreach (var message in ReadMessagesAsync())
        {
            var seconds = ParseSeconds(message.Timestamp);
            var bucket = seconds is null ? 0 : plan.Cutoffs.Count(c => seconds >= c);
            var group = ((message.Severity ?? "").ToLowerInvariant(), message.System ?? "", bucket);
            groups[group] = groups.GetValueOrDefault(group) + 1;
        }
        return groups.Select(g => new WindowedCount(g.Key.Item1, g.Key.Item2, g.Key.Item3, g.Value)).ToList();
    }

    public async IAsyncEnumerable<IReadOnlyList<ExpiryCandidate>> FindExpiredAsync(
        IndexDefinition index, DateTimeOffset cutoff, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Failure is not null) throw Failure;
        var limit = cutoff.ToUnixTimeSeconds();
        var page = new List<ExpiryCandidate>();
        await foreach (var message in ReadMessagesAsync())
        {
            var seconds = ParseSeconds(message.Timestamp);
            // Like the engine: a null parsetime passes "<" on text indexes; a numeric range never matches garbage.
            var expired = seconds is null ? timestamps == TimestampKind.Text : seconds < limit;
            if (!expired) continue;
            page.Add(new ExpiryCandidate(message.Key, message.Timestamp));
            if (page.Count == pageSize)
            {
                ExpiryPagesRead++;
                yield return page;
                page = [];
            }
        }
        if (page.Count > 0)
        {
            ExpiryPagesRead++;
            yield return page;
        }
    }

    private long? ParseSeconds(string? raw)
    {
        if (raw is null) return null;
        if (timestamps == TimestampKind.Numeric)
            return long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
        // parsetime reads the first 19 characters as UTC and ignores fractions, Z and offsets.
        return raw.Length >= 19 && DateTime.TryParseExact(raw[..19], "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
            ? new DateTimeOffset(t, TimeSpan.Zero).ToUnixTimeSeconds()
            : null;
    }

    private async IAsyncEnumerable<Message> ReadMessagesAsync()
    {
        var server = database.Multiplexer.GetServers().First();
        var keys = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(database.Database, Prefix + "*", pageSize: 1000))
            keys.Add(key);
        foreach (var key in keys)
        {
            var fields = await database.HashGetAsync(key, ["severity", "system", "timestamp"]);
            if (fields.All(f => f.IsNull)) continue;
            yield return new Message(key!, fields[0], fields[1], fields[2]);
        }
    }

    private sealed record Message(string Key, string? Severity, string? System, string? Timestamp);
}
