using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Redis;
using StackExchange.Redis;

namespace Scout.Search;

/// <summary>The RediSearch adapter: sends the commands <see cref="RediSearchCommands"/> builds and parses the replies.</summary>
public sealed class RediSearchIndex(RedisConnection redis, IOptionsMonitor<ScoutOptions> options, ILogger<RediSearchIndex> logger) : ISearchIndex
{
    public async Task<IndexDefinition> EnsureIndexAsync(CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        // A cycle or retention run with a shard of the cluster down fails here, saying so, before it reads or writes anything.
        await redis.EnsureEveryShardAsync();
        var producer = await ProducerIndexAsync(o.Index);
        if (producer.ThroughIndexBecause.Length > 0 && _throughIndexReported.TryAdd(o.Index, true))
            logger.LogInformation("Documents of index {Index} are read through it (FT.SEARCH … INKEYS), not by key: {Reason}; its cost grows with the index",
                o.Index, producer.ThroughIndexBecause);
        await DropLeftoverOwnIndexOnceAsync(o.OwnIndexName);
        return producer.Definition;
    }

    /// <summary>The producer's index, created with the producer's ON JSON schema when it is missing.</summary>
    private async Task<IndexInfo> ProducerIndexAsync(string index)
    {
        if (await TryInfoAsync(index) is { } info) return info;
        logger.LogWarning("RediSearch index {Index} does not exist; creating the producer's ON JSON schema", index);
        try
        {
            await CreateAsync(RediSearchCommands.CreateProducerIndex(index));
        }
        catch (SearchDeniedException denied)
        {
            throw new SearchUnavailableException(
                $"RediSearch index {index} does not exist yet and Scout's Redis user may not create it: it appears when the producer writes its first message " +
                $"(or create it: FT.CREATE {index} ON JSON SCHEMA $.severity AS severity TEXT $.system AS system TEXT $.timestamp AS timestamp TEXT)", denied.InnerException);
        }
        return await TryInfoAsync(index) ?? throw new SearchUnavailableException($"RediSearch index {index} vanished right after it was created", null);
    }

    private async Task<IndexInfo?> TryInfoAsync(string index)
    {
        try
        {
            return RediSearchReplies.ParseIndexInfo(index, await ExecuteAsync(RediSearchCommands.Info(index)));
        }
        catch (RedisServerException error) when (RediSearchReplies.IsMissingIndex(error))
        {
            return null;
        }
    }

    private async Task CreateAsync(SearchCommand create)
    {
        try
        {
            await ExecuteAsync(create);
        }
        catch (RedisServerException raced) when (SearchErrors.IsIndexExists(raced.Message))
        {
            // Another replica (or the producer) created it first.
        }
    }

    /// <summary>Indexes read through FT.SEARCH whose reason this process has logged (once each).</summary>
    private readonly ConcurrentDictionary<string, bool> _throughIndexReported = new(StringComparer.Ordinal);

    /// <summary>Own-index names already checked by this process: an earlier Scout's index is looked for once, not every cycle.</summary>
    private readonly ConcurrentDictionary<string, bool> _leftoverChecked = new(StringComparer.Ordinal);

    /// <summary>
    /// Drops the index an earlier Scout kept of its own (SCOUT_OWN_INDEX) when one is left; the documents and the producer's
    /// index are never touched. Asked first with FT.INFO, so a user without FT.DROPINDEX (Redis 8's ACL line grants none)
    /// works where none is left. Once per process and index name: no version creates it any more (an older replica still
    /// running during a rollout could; the next start drops that one). A check that fails (Redis unreachable) is tried
    /// again on the next cycle.
    /// </summary>
    private async Task DropLeftoverOwnIndexOnceAsync(string name)
    {
        if (_leftoverChecked.ContainsKey(name)) return;
        await DropLeftoverOwnIndexAsync(name);
        _leftoverChecked[name] = true;
        logger.LogDebug("Checked for a leftover own index {OwnIndex}; not asked again by this process", name);
    }

    private async Task DropLeftoverOwnIndexAsync(string name)
    {
        if (await TryInfoAsync(name) is null) return;
        try
        {
            await ExecuteAsync(RediSearchCommands.DropIndex(name));
            logger.LogInformation("Dropped Scout's own index {OwnIndex} left by an earlier version (the documents stay)", name);
        }
        catch (RedisServerException error) when (RediSearchReplies.IsMissingIndex(error))
        {
            // Another replica dropped it first.
        }
        catch (SearchDeniedException)
        {
            logger.LogWarning("Scout's own index {OwnIndex} is no longer used and its Redis user may not drop it: drop it once with FT.DROPINDEX {OwnIndex} (without DD: the documents stay)", name, name);
        }
    }

    private readonly KeyReader _keys = new(redis);

    public async Task<IReadOnlyList<MessageFields>> ReadAsync(IndexDefinition index, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0) return [];
        // An index with a FILTER (or anything else KeyReadPlan.From cannot follow): only the engine can say which documents
        // it holds, so they are read through it, at a cost that grows with the index.
        if (index.ByKey is not { } plan) return await SearchAsync(index, keys);
        var (held, ask) = await _keys.ReadAsync(plan, keys);
        if (ask.Count > 0) held.AddRange(await SearchAsync(index, ask));
        return held;
    }

    /// <summary>The named documents the index holds, through the index (FT.SEARCH … INKEYS).</summary>
    private async Task<IReadOnlyList<MessageFields>> SearchAsync(IndexDefinition index, IReadOnlyList<string> keys)
    {
        // On a cluster the coordinator answers without a shard it cannot reach: its documents would look deleted and be
        // taken out of the counts. Every shard must answer after the read (EnsureIndexAsync checked them before the cycle).
        var reply = await ExecuteAsync(RediSearchCommands.ReadFields(index.Name, keys, options.CurrentValue.QueryTimeout));
        await redis.EnsureEveryShardAsync();
        return RediSearchReplies.ParseSearch(reply);
    }

    public async IAsyncEnumerable<IReadOnlyList<MessageFields>> ScanAsync(
        IndexDefinition index, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var command = RediSearchCommands.ScanFields(index.Name, pageSize, options.CurrentValue.QueryTimeout);
        // On a cluster the coordinator silently leaves out a shard it cannot reach: every shard must answer
        // before and after the pass, or the pass fails rather than replace the counts with partial ones.
        await redis.EnsureEveryShardAsync();
        await foreach (var rows in ReadPagesAsync(index.Name, command, pageSize, countWithoutRowsIsPartial: true, cancellationToken))
            yield return RediSearchReplies.Documents(rows);
        await redis.EnsureEveryShardAsync();
    }

    // The previous design's expiry query, which reads every document: proven on the real engine by the contract suite;
    // Scout's retention no longer calls it.

    /// <summary>Pages through the indexed messages whose timestamp is before the cut-off, as RediSearch reads it.</summary>
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
        // A cursor lives on the node that opened it: on a cluster every command of this cursor goes to one primary.
        var server = redis.PinnedServer();
        var page = RediSearchReplies.ParseAggregate(await ExecuteAsync(first, server), countWithoutRowsIsPartial);
        try
        {
            while (true)
            {
                yield return page.Rows;
                if (page.CursorId == 0) yield break;
                cancellationToken.ThrowIfCancellationRequested();
                page = RediSearchReplies.ParseAggregate(
                    await ExecuteAsync(RediSearchCommands.CursorRead(index, page.CursorId, pageSize), server), countWithoutRowsIsPartial: false);
            }
        }
        finally
        {
            if (page.CursorId != 0) await TryDeleteCursorAsync(index, page.CursorId, server);
        }
    }

    private async Task TryDeleteCursorAsync(string index, long cursorId, IServer? server)
    {
        try
        {
            await ExecuteAsync(RediSearchCommands.CursorDelete(index, cursorId), server);
        }
        catch (Exception error) when (error is RedisException or SearchUnavailableException)
        {
            // The server drops idle cursors on its own.
        }
    }

    private async Task<RedisResult> ExecuteAsync(SearchCommand command, IServer? server = null)
    {
        try
        {
            return server is null
                ? await redis.Database.ExecuteAsync(command.Name, command.Args)
                : await server.ExecuteAsync(command.Name, command.Args);
        }
        catch (RedisServerException error) when (RediSearchReplies.IsMissingModule(error))
        {
            throw new SearchUnavailableException(
                $"Redis at {options.CurrentValue.RedisAddr}:{options.CurrentValue.RedisPort} has no query engine ({command.Name} is unknown); Scout needs Redis 8 or Redis Stack", error);
        }
        catch (RedisServerException error) when (SearchErrors.IsTimeout(error.Message))
        {
            throw new SearchTimeoutException($"{command.Name}: {error.Message} (SCOUT_QUERY_TIMEOUT)");
        }
        catch (RedisServerException error) when (SearchErrors.IsPermissionDenied(error.Message))
        {
            // Redis 8 checks that the selector granting FT.* covers every key the index covers; 2.x checked the index name.
            throw new SearchDeniedException(
                $"{command.Name} refused to Redis user '{(options.CurrentValue.RedisUsername is { Length: > 0 } user ? user : "default")}': {error.Message}. On Redis 8 the ACL selector that grants FT.* must " +
                "cover every key the index covers (~* for an index without PREFIX, ~<prefix>* with one): see README, Redis user (ACL)", error);
        }
    }
}
