using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Observability;
using Scout.Search;
using StackExchange.Redis;

namespace Scout.Counting;

/// <summary>
/// Rebuilds the counts from every document, in short cursor pages, into a new generation; counts what the stream adds
/// meanwhile into it, every SCOUT_INTERVAL and at the end; compares it with the live counts; and makes it live in one
/// transaction, unless another writer came first (then the stream is read again and the switch retried).
/// </summary>
public sealed class FullPass(
    MessageReader reader,
    StreamCatchUp catchUp,
    StreamFollower stream,
    CountStore store,
    CountGenerations generations,
    IOptionsMonitor<ScoutOptions> options,
    TimeProvider time,
    ScoutMetrics metrics,
    ILogger<FullPass> logger)
{
    /// <summary>Documents per page: each call stays short on a large index.</summary>
    public const int ScanPage = 500;

    /// <returns>False when stream entries the pass had to replay were lost before it read them: its counts were dropped.</returns>
    public async Task<bool> RunAsync(IndexDefinition definition, CountState state, FullPassReason reason, Func<Task>? meanwhile,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        logger.LogInformation("Full pass over index {Index} ({Reason}): reading every document in pages of {Page}", definition.Name, reason.Describe(), ScanPage);
        var mark = await stream.MarkAsync();
        await DropAbandonedAsync();
        var starts = CountingModel.StartsAt(options.CurrentValue.Windows, time.GetUtcNow());
        var staging = new StagingCounts(store, await generations.StartAsync(starts), starts, new StreamCursor(mark.LastId, mark.EntriesAdded));
        var comparison = new GenerationComparison();
        long documents;
        try
        {
            if (await ScanAsync(definition, state.LiveKeys, staging, comparison, meanwhile, cancellationToken) is not { } read) return false;
            documents = read;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Full pass over index {Index} ({Reason}) stopped after {Seconds} s: the invocation was cancelled (host.json " +
                "functionTimeout, or shutdown). A pass over more documents needs a longer functionTimeout",
                definition.Name, reason.Describe(), Seconds(started));
            throw;
        }
        return await SwitchAsync(definition, state.LiveKeys, staging, comparison, new PassRecord(reason, documents, started), cancellationToken);
    }

    private sealed record PassRecord(FullPassReason Reason, long Documents, long Started);

    /// <summary>Every page into the new generation, compared with the live counts; null when the stream lost what it had to replay.</summary>
    private async Task<long?> ScanAsync(IndexDefinition definition, CountKeys? live, StagingCounts staging, GenerationComparison comparison,
        Func<Task>? meanwhile, CancellationToken cancellationToken)
    {
        long documents = 0;
        var caughtUp = time.GetTimestamp();
        await foreach (var page in reader.ScanAsync(definition, ScanPage, cancellationToken))
        {
            documents += page.Count;
            if (live is not null) comparison.ComparePage(page, await store.ReadRecordsAsync(live, [.. page.Select(c => c.Key)]));
            await staging.ApplyAsync(page);
            if (time.GetElapsedTime(caughtUp) < options.CurrentValue.Interval) continue;
            // A long pass: every SCOUT_INTERVAL the new generation takes in what the stream added (before it is trimmed),
            // and the live counts are followed and served meanwhile.
            if (!await ReplayAsync(definition, staging, comparison, cancellationToken)) return null;
            if (meanwhile is not null) await meanwhile();
            caughtUp = time.GetTimestamp();
        }
        return documents;
    }

    /// <summary>The stream's new entries into the new generation; false (and the generation dropped) when some were lost before it read them.</summary>
    private async Task<bool> ReplayAsync(IndexDefinition definition, StagingCounts staging, GenerationComparison comparison, CancellationToken cancellationToken)
    {
        var (end, _) = await catchUp.RunAsync(definition, staging, int.MaxValue, comparison.Changed, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        if (end != CatchUpEnd.Lost) return true;
        catchUp.ReportLoss(staging.Cursor, "during a full pass");
        await generations.DropAsync(staging.Keys);
        return false;
    }

    /// <summary>
    /// Switches the new generation live, conditioned on the version read just before, so the generation live then is the
    /// one it replaces (another replica's, if one switched meanwhile), and that one is dropped afterwards.
    /// </summary>
    private async Task<bool> SwitchAsync(IndexDefinition definition, CountKeys? live, StagingCounts staging, GenerationComparison comparison,
        PassRecord pass, CancellationToken cancellationToken)
    {
        CountKeys? replaced = null;
        var outcome = await CountRetry.Pipeline.ExecuteAsync(async _ =>
        {
            // The live counts to the stream's end as well: the two generations are compared at one position.
            if (live is not null && pass.Reason == FullPassReason.ReconciliationDue)
                await catchUp.RunAsync(definition, await LiveCounts.ReadAsync(store), options.CurrentValue.MaxStreamPagesPerCycle, null, cancellationToken);
            var current = await store.ReadStateAsync();
            replaced = current.LiveGeneration;
            if (!await ReplayAsync(definition, staging, comparison, cancellationToken)) return WriteOutcome.Lost;
            var done = await RecordAsync(live, staging, comparison, pass);
            if (!await generations.SwitchAsync(staging.Keys, current.Version, staging.Cursor, Source(definition), Json(done))) return WriteOutcome.Conflict;
            Report(definition, done);
            return WriteOutcome.Written;
        }, cancellationToken);
        if (outcome == WriteOutcome.Conflict) throw new InvalidOperationException($"the full pass could not switch the counts in {LiveCounts.Attempts} attempts");
        if (outcome == WriteOutcome.Written && replaced is not null && replaced.Generation != staging.Keys.Generation) await generations.DropAsync(replaced);
        return outcome == WriteOutcome.Written;
    }

    private async Task<Reconciliation> RecordAsync(CountKeys? live, StagingCounts staging, GenerationComparison comparison, PassRecord pass)
    {
        var (missed, wrong, extra) = live is null ? (0, 0, 0)
            : comparison.Corrections(await store.CountRecordsAsync(live), await store.CountRecordsAsync(staging.Keys));
        return new Reconciliation(MessageTimestamp.Rfc3339(time.GetUtcNow()), Seconds(pass.Started, 3), pass.Reason.Describe(), pass.Documents,
            missed, wrong, extra);
    }

    private void Report(IndexDefinition definition, Reconciliation done)
    {
        metrics.FullPasses.WithLabels(done.Reason).Inc();
        logger.LogInformation("Full pass over index {Index} ({Reason}) counted {Documents} documents in {Seconds} s; the counts it replaced " +
            "had missed {Missed}, counted {Wrong} wrongly and held {Extra} the index no longer has", definition.Name, done.Reason, done.Documents,
            done.DurationSeconds, done.Missed, done.Wrong, done.Extra);
    }

    /// <summary>
    /// Deletes the counts a full pass was building and did not finish (best effort: after a failure Redis may be what
    /// failed, and the next pass drops them anyway).
    /// </summary>
    public async Task DropAbandonedAsync()
    {
        try
        {
            await generations.DropAbandonedAsync(await store.ReadStateAsync());
        }
        catch (Exception error) when (error is RedisException or TimeoutException)
        {
            logger.LogWarning("The counts of an unfinished full pass stay in Redis until the next pass drops them ({Error})", error.Message);
        }
    }

    private string Source(IndexDefinition definition) =>
        CountStore.SourceSignature(definition.Name, options.CurrentValue.Stream, options.CurrentValue.Windows);

    private static string Json(Reconciliation done) => JsonSerializer.Serialize(done, CountingJson.Default.Reconciliation);

    private static double Seconds(long started, int digits = 1) => Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, digits);
}
