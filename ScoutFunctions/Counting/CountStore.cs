using System.Globalization;
using Scout.Configuration;
using Scout.Redis;
using StackExchange.Redis;

namespace Scout.Counting;

/// <summary>
/// Scout's counts in Redis, all in the {scout} slot: the state hash, and per generation the documents' records, the
/// minutes' documents and counts, and the windows' counts. Reads what <see cref="CountingModel"/> needs; writes only
/// what it decided, through <see cref="CommitAsync"/>.
/// </summary>
public sealed class CountStore(RedisConnection redis)
{
    /// <summary>Pages of Scout's own hashes read per call (HSCAN COUNT): each call stays short whatever a minute holds.</summary>
    public const int ScanPage = 1000;

    private IDatabase Db => redis.Database;

    /// <summary>The state hash and the live generation's starts, read by field name.</summary>
    public async Task<CountState> ReadStateAsync()
    {
        var read = CountState.From(await Db.HashGetAllAsync(CountKeys.State));
        return read.LiveGeneration is { } live ? read with { Starts = CountState.StartsFrom(await Db.HashGetAllAsync(live.Starts)) } : read;
    }

    public Task RecordReconcileStartedAsync(string at) => Db.HashSetAsync(CountKeys.State, StateFields.ReconcileStarted, at);

    public static string WindowsSignature(IEnumerable<AnalyticsWindow> windows) =>
        string.Join(",", windows.Select(w => w.Name + "=" + ((long)w.Length.TotalSeconds).ToString(CultureInfo.InvariantCulture)));

    /// <summary>
    /// What the counts were made from, kept with them: the index and the stream they were read from, and the windows.
    /// Counts of another index or stream (REDISEARCH_INDEX or SCOUT_STREAM changed, say by a ScoutProfile) are recounted.
    /// </summary>
    public static string SourceSignature(string index, string stream, IEnumerable<AnalyticsWindow> windows) =>
        index + "|" + stream + "|" + WindowsSignature(windows);

    /// <summary>
    /// The one write: the changes in one MULTI/EXEC, conditioned on the version when given (and raising it), with the
    /// stream cursor when it moves. False when another writer changed the counts first: read the state again and retry.
    /// </summary>
    public Task<bool> CommitAsync(CountWrite write)
    {
        var (keys, changes) = (write.Keys, write.Changes);
        var tran = Db.CreateTransaction();
        if (write.Version is { } version)
        {
            tran.AddCondition(Condition.HashEqual(CountKeys.State, StateFields.Version, version));
            _ = tran.HashIncrementAsync(CountKeys.State, StateFields.Version);
        }
        // Exits before entries: a document that moved within one minute keeps its new group.
        foreach (var (minute, documents) in changes.MinuteExits) _ = tran.HashDeleteAsync(keys.Minute(minute), [.. documents.Select(d => (RedisValue)d)]);
        foreach (var (minute, entries) in changes.MinuteEntries)
            _ = tran.HashSetAsync(keys.Minute(minute), [.. entries.Select(e => new HashEntry(e.Key, e.Value))]);
        foreach (var shard in changes.Records.GroupBy(r => keys.Records(r.Key)))
        {
            if (shard.Where(r => r.Value is null).Select(r => (RedisValue)r.Key).ToArray() is { Length: > 0 } gone) _ = tran.HashDeleteAsync(shard.Key, gone);
            if (shard.Where(r => r.Value is not null).Select(r => new HashEntry(r.Key, r.Value!.Value.Encode())).ToArray() is { Length: > 0 } set)
                _ = tran.HashSetAsync(shard.Key, set);
        }
        if (changes.Minutes.Count > 0) _ = tran.SortedSetAddAsync(keys.Minutes, [.. changes.Minutes.Select(m => new SortedSetEntry(m, m))]);
        foreach (var (minute, groups) in changes.MinuteCounts)
            foreach (var (group, delta) in groups) _ = tran.HashIncrementAsync(keys.MinuteCounts(minute), group, delta);
        if (write.Version is { } raisedFrom && ChangedMinutes(changes, raisedFrom + 1) is { Length: > 0 } changed)
            _ = tran.SortedSetAddAsync(keys.ChangedMinutes, changed);
        foreach (var (window, groups) in changes.WindowCounts)
            foreach (var (group, delta) in groups) _ = tran.HashIncrementAsync(keys.Window(window), group, delta);
        if (changes.Starts.Count > 0) _ = tran.HashSetAsync(keys.Starts, [.. changes.Starts.Select(s => new HashEntry(s.Key, s.Value))]);
        if (write.MovesTo is { } cursor)
            _ = tran.HashSetAsync(CountKeys.State, [new(StateFields.Position, cursor.Position), new(StateFields.Sequence, cursor.Sequence)]);
        return tran.ExecuteAsync();
    }

    /// <summary>The minutes (with a timestamp) whose counts <paramref name="changes"/> change, stamped with the version they raise the state to.</summary>
    private static SortedSetEntry[] ChangedMinutes(CountChanges changes, long version) => [.. changes.MinuteCounts.Keys
        .Where(m => m != MessageRecord.NoMinute)
        .Select(m => new SortedSetEntry(long.Parse(m, CultureInfo.InvariantCulture), version))];

    /// <summary>The stored records of the named documents (null where Scout holds none): one HMGET per shard, pipelined.</summary>
    public async Task<Dictionary<string, MessageRecord?>> ReadHeldAsync(CountKeys keys, IEnumerable<string> documents)
    {
        var shards = documents.Distinct(StringComparer.Ordinal).GroupBy(keys.Records).ToList();
        var values = await Task.WhenAll(shards.Select(s => Db.HashGetAsync(s.Key, [.. s.Select(d => (RedisValue)d)])));
        var held = new Dictionary<string, MessageRecord?>(StringComparer.Ordinal);
        for (var i = 0; i < shards.Count; i++)
            foreach (var (document, value) in shards[i].Zip(values[i]))
                held[document] = MessageRecord.Decode(value.IsNull ? null : value.ToString());
        return held;
    }

    /// <summary>The held records in the order of <paramref name="documents"/>.</summary>
    public async Task<MessageRecord?[]> ReadRecordsAsync(CountKeys keys, IReadOnlyList<string> documents)
    {
        var held = await ReadHeldAsync(keys, documents);
        return [.. documents.Select(d => held[d])];
    }

    /// <summary>The counts of the minutes that hold messages within <paramref name="ranges"/> (what the windows leave as they slide).</summary>
    public async Task<Dictionary<long, IReadOnlyDictionary<string, long>>> ReadMinuteCountsAsync(CountKeys keys,
        IReadOnlyDictionary<string, (long From, long To)> ranges)
    {
        var counts = new Dictionary<long, IReadOnlyDictionary<string, long>>();
        // Each window's range apart: the 5m window's and the 24h window's are a day apart, and the minutes between
        // them leave no window.
        var listed = await Task.WhenAll(ranges.Values.Distinct().Select(r => Db.SortedSetRangeByScoreAsync(keys.Minutes, r.From, r.To - 1)));
        var minutes = listed.SelectMany(m => m).Select(m => (long)m).Distinct();
        var reads = minutes.Select(m => (Minute: m, Read: Db.HashGetAllAsync(keys.MinuteCounts(m.ToString(CultureInfo.InvariantCulture))))).ToList();
        foreach (var (minute, read) in reads)
            counts[minute] = (await read).ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);
        return counts;
    }

    /// <summary>Up to <paramref name="count"/> document keys of one minute (HSCAN: short calls however many it holds).</summary>
    public async Task<List<string>> MinuteKeysAsync(CountKeys keys, string minuteName, int count)
    {
        var found = new List<string>(count);
        await foreach (var entry in Db.HashScanAsync(keys.Minute(minuteName), pageSize: Math.Min(count, ScanPage)))
        {
            found.Add(entry.Name.ToString());
            if (found.Count == count) break;
        }
        return found;
    }

    public Task<long> MinuteSizeAsync(CountKeys keys, string minuteName) => Db.HashLengthAsync(keys.Minute(minuteName));

    /// <summary>The minutes before <paramref name="beforeMinute"/> that hold (or held) messages, oldest first.</summary>
    public async Task<long[]> MinutesBeforeAsync(CountKeys keys, long beforeMinute, int count) =>
        (await Db.SortedSetRangeByScoreAsync(keys.Minutes, double.NegativeInfinity, beforeMinute - 1, take: count))
            .Select(m => (long)m).ToArray();

    /// <summary>Forgets a minute that holds no message any more (its counts are all zero by then).</summary>
    public async Task ForgetMinuteAsync(CountKeys keys, long minute)
    {
        var name = minute.ToString(CultureInfo.InvariantCulture);
        // One round trip, all or nothing: the minute's hashes and its entries in both sets.
        var tran = Db.CreateTransaction();
        _ = tran.KeyDeleteAsync([keys.Minute(name), keys.MinuteCounts(name)]);
        _ = tran.SortedSetRemoveAsync(keys.Minutes, minute);
        _ = tran.SortedSetRemoveAsync(keys.ChangedMinutes, minute);
        await tran.ExecuteAsync();
    }

    /// <summary>
    /// Every window's counts in one MULTI/EXEC (all windows of a snapshot come from one state) and, in the same
    /// transaction, the state's version and the counts of the minutes from <paramref name="fromMinute"/> on (later
    /// minutes than now included): every minute that holds messages, or with <paramref name="changedAfter"/> only those a
    /// write changed after that version. The minutes to read are listed first and listed again inside the transaction;
    /// a minute that appeared in between is read by another attempt. After three attempts the last read is returned
    /// with <see cref="WindowsAndMinutes.Complete"/> false (it may miss a minute changed meanwhile).
    /// </summary>
    public async Task<WindowsAndMinutes> ReadWindowsAndMinutesAsync(CountKeys keys, IReadOnlyList<string> windows, long fromMinute, long? changedAfter = null)
    {
        const int Attempts = 3;
        Task<RedisValue[]> List(IDatabaseAsync db) => changedAfter is { } version
            ? db.SortedSetRangeByScoreAsync(keys.ChangedMinutes, version, double.PositiveInfinity, Exclude.Start)
            : db.SortedSetRangeByScoreAsync(keys.Minutes, fromMinute, double.PositiveInfinity);
        for (var attempt = 1; ; attempt++)
        {
            var listed = await List(Db);
            var tran = Db.CreateTransaction();
            var versionRead = tran.HashGetAsync(CountKeys.State, StateFields.Version);
            var windowReads = windows.Select(w => (w, tran.HashGetAllAsync(keys.Window(w)))).ToList();
            var minuteReads = listed.Select(m => (long)m).Where(m => m >= fromMinute)
                .Select(m => (Minute: m, Read: tran.HashGetAllAsync(keys.MinuteCounts(m.ToString(CultureInfo.InvariantCulture))))).ToList();
            var relisted = List(tran);
            await tran.ExecuteAsync();
            var complete = (await relisted).SequenceEqual(listed);
            if (!complete && attempt < Attempts) continue;
            var result = new Dictionary<string, List<(string, long)>>();
            foreach (var (window, read) in windowReads)
                result[window] = (await read).Select(e => (e.Name.ToString(), (long)e.Value)).Where(e => e.Item2 > 0).ToList();
            var minutes = new SortedDictionary<long, Dictionary<string, long>>();
            foreach (var (minute, read) in minuteReads)
                minutes[minute] = (await read).Where(e => (long)e.Value > 0).ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);
            var version = await versionRead;
            return new WindowsAndMinutes(result, minutes, version.IsNull ? 0 : (long)version, complete);
        }
    }

    public async Task<long> CountRecordsAsync(CountKeys keys) =>
        (await Task.WhenAll(keys.AllRecords.Select(r => Db.HashLengthAsync(r)))).Sum();
}

/// <summary>
/// One read of the windows' counts with minutes' counts (minute → group → count), as of the state's
/// <paramref name="Version"/>; <paramref name="Complete"/> false when a minute changed while it was read.
/// </summary>
public sealed record WindowsAndMinutes(Dictionary<string, List<(string Group, long Count)>> Windows,
    SortedDictionary<long, Dictionary<string, long>> Minutes, long Version, bool Complete);
