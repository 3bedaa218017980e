using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Observability;
using Scout.Search;

namespace Scout.Counting;

/// <summary>How a catch-up ended: at the stream's end, at its page limit, or at entries lost before they were read.</summary>
public enum CatchUpEnd { Reached, PageLimit, Lost }

/// <summary>
/// The one loop that counts what the stream added after a target's cursor, a page per write that also moves the cursor:
/// the cycle's follow of the live counts and a full pass's replay into its own generation alike.
/// </summary>
public sealed class StreamCatchUp(
    StreamFollower stream,
    CountStore store,
    MessageReader reader,
    IOptionsMonitor<ScoutOptions> options,
    ScoutMetrics metrics,
    ILogger<StreamCatchUp> logger)
{
    /// <summary>Stream entries (and documents) read per page.</summary>
    public const int PageSize = 1000;

    /// <param name="named">Told the documents of every page read (a full pass leaves them out of its comparison).</param>
    /// <returns>How it ended, and how many stream entries it counted.</returns>
    public async Task<(CatchUpEnd End, long Entries)> RunAsync(IndexDefinition definition, ICountTarget target, int maxPages,
        Action<IReadOnlyList<string>>? named, CancellationToken cancellationToken)
    {
        long counted = 0;
        for (var page = 0; page < maxPages && !cancellationToken.IsCancellationRequested; page++)
        {
            CatchUpEnd? end = null;
            var entries = 0;
            await target.WriteAsync(async at =>
            {
                var read = await stream.ReadAfterAsync(at.Cursor, PageSize);
                if (read.Lost || read.LastId == at.Cursor.Position)
                {
                    end = read.Lost ? CatchUpEnd.Lost : CatchUpEnd.Reached;
                    return null;
                }
                var documents = read.Entries.Select(e => e.Key).Distinct(StringComparer.Ordinal).ToList();
                named?.Invoke(documents);
                var changes = await reader.ReadChangesAsync(definition, documents, cancellationToken);
                entries = read.Entries.Count;
                return new CountWrite(at.Keys, CountingModel.Apply(await store.ReadHeldAsync(at.Keys, documents), changes, at.Starts),
                    at.Version, new StreamCursor(read.LastId, read.Sequence));
            }, cancellationToken);
            if (end is { } ended) return (ended, counted);
            counted += entries;
        }
        return (CatchUpEnd.PageLimit, counted);
    }

    public void ReportLoss(StreamCursor cursor, string during)
    {
        metrics.StreamGaps.Inc();
        logger.LogWarning("Stream {Stream} lost entries after position {Position} before Scout read them ({During}): more messages arrived " +
            "than the stream keeps; counting them with a full pass", options.CurrentValue.Stream, cursor.Position, during);
    }
}
