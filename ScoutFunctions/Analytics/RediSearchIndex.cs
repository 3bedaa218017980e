using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Redis;
using StackExchange.Redis;

namespace Scout.Analytics;

/// <summary>The RediSearch adapter: sends the commands <see cref="RediSearchCommands"/> builds and parses the replies.</summary>
public sealed class RediSearchIndex(RedisConnection redis, IOptionsMonitor<ScoutOptions> options, ILogger<RediSearchIndex> logger) : ISearchIndex
{
    public async Task<IndexDefinition> EnsureIndexAsync(CancellationToken cancellationToken)
    {
        var index = options.CurrentValue.Index;
        try
        {
            return RediSearchReplies.ParseInfo(index, await ExecuteAsync(RediSearchCommands.Info(index)));
        }
        catch (RedisServerException error) when (RediSearchReplies.IsMissingIndex(error))
        {
            logger.LogWarning("RediSearch index {Index} does not exist; creating the producer's ON JSON schema", index);
            try
            {
                await ExecuteAsync(RediSearchCommands.CreateProducerIndex(index));
            }
            catch (RedisServerException raced) when (raced.Message.Contains("already exists", StringComparison.OrdinalIgnoreCase))
            {
                // Another replica or the producer created it first.
            }
            return RediSearchReplies.ParseInfo(index, await ExecuteAsync(RediSearchCommands.Info(index)));
        }
    }

    public async Task<IReadOnlyList<WindowedCount>> CountByWindowAsync(IndexDefinition index, WindowPlan plan, CancellationToken cancellationToken)
    {
        var counts = new List<WindowedCount>();
        var command = RediSearchCommands.WindowedCounts(index, plan, options.CurrentValue.QueryTimeout);
        await foreach (var rows in ReadPagesAsync(index.Name, command, RediSearchCommands.CursorPageSize, countWithoutRowsIsPartial: true, cancellationToken))
            counts.AddRange(rows.Select(ToCount));
        return counts;
    }

    public async IAsyncEnumerable<IReadOnlyList<ExpiryCandidate>> FindExpiredAsync(
        IndexDefinition index, DateTimeOffset cutoff, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var command = RediSearchCommands.ExpiredKeys(index, cutoff.ToUnixTimeSeconds(), options.CurrentValue.QueryTimeout, ExpiryPageSize);
        await foreach (var rows in ReadPagesAsync(index.Name, command, ExpiryPageSize, countWithoutRowsIsPartial: false, cancellationToken))
            yield return rows.Select(r => new ExpiryCandidate(r.GetValueOrDefault("__key") ?? "", r.GetValueOrDefault("timestamp")))
                .Where(c => c.Key.Length > 0).ToList();
    }

    /// <summary>Deletion batches: large enough to amortise round trips, small enough to stop promptly.</summary>
    public const int ExpiryPageSize = 1000;

    /// <summary>Reads a cursor to its end; a consumer that stops early (or cancellation) deletes the cursor.</summary>
    private async IAsyncEnumerable<IReadOnlyList<IReadOnlyDictionary<string, string?>>> ReadPagesAsync(
        string index, SearchCommand first, int pageSize, bool countWithoutRowsIsPartial, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var page = RediSearchReplies.ParseAggregate(await ExecuteAsync(first), countWithoutRowsIsPartial);
        try
        {
            while (true)
            {
                yield return page.Rows;
                if (page.CursorId == 0) yield break;
                cancellationToken.ThrowIfCancellationRequested();
                page = RediSearchReplies.ParseAggregate(
                    await ExecuteAsync(RediSearchCommands.CursorRead(index, page.CursorId, pageSize)), countWithoutRowsIsPartial: false);
            }
        }
        finally
        {
            if (page.CursorId != 0) await TryDeleteCursorAsync(index, page.CursorId);
        }
    }

    private async Task TryDeleteCursorAsync(string index, long cursorId)
    {
        try
        {
            await ExecuteAsync(RediSearchCommands.CursorDelete(index, cursorId));
        }
        catch (Exception error) when (error is RedisException or SearchUnavailableException)
        {
            // The server drops idle cursors on its own.
        }
    }

    internal static WindowedCount ToCount(IReadOnlyDictionary<string, string?> row)
    {
        var severity = row.GetValueOrDefault("sev");
        var bucket = row.GetValueOrDefault("bucket");
        return new WindowedCount(
            string.IsNullOrEmpty(severity) ? "unknown" : severity.ToLowerInvariant(),
            row.GetValueOrDefault("system") ?? "",
            // A timestamp that does not parse yields a null bucket: the message counts in "all" only.
            bucket is null ? 0 : (int)double.Parse(bucket, CultureInfo.InvariantCulture),
            long.Parse(row.GetValueOrDefault("count") ?? "0", NumberStyles.Integer, CultureInfo.InvariantCulture));
    }

    private async Task<RedisResult> ExecuteAsync(SearchCommand command)
    {
        try
        {
            return await redis.Database.ExecuteAsync(command.Name, command.Args);
        }
        catch (RedisServerException error) when (RediSearchReplies.IsMissingModule(error))
        {
            throw new SearchUnavailableException(
                $"Redis at {options.CurrentValue.RedisAddr}:{options.CurrentValue.RedisPort} has no RediSearch module ({command.Name} is unknown); Scout needs Redis Stack", error);
        }
    }
}
