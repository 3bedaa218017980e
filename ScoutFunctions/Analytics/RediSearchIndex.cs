using System.Globalization;
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
        var page = RediSearchReplies.ParseAggregate(await ExecuteAsync(command), countWithoutRowsIsPartial: true);
        while (true)
        {
            foreach (var row in page.Rows) counts.Add(ToCount(row));
            if (page.CursorId == 0) return counts;
            if (cancellationToken.IsCancellationRequested)
            {
                await ExecuteAsync(RediSearchCommands.CursorDelete(index.Name, page.CursorId));
                cancellationToken.ThrowIfCancellationRequested();
            }
            page = RediSearchReplies.ParseAggregate(
                await ExecuteAsync(RediSearchCommands.CursorRead(index.Name, page.CursorId)), countWithoutRowsIsPartial: false);
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
