using System.Globalization;
using Scout.Configuration;
using Scout.Redis;
using StackExchange.Redis;

namespace Scout.Counting;

/// <summary>The state hash as read: which generation is live, the stream position, the version every write is conditioned on.</summary>
public sealed record CountState(long Version, long? Live, string Position, string? Windows, long? Staging, string? Reconciliation, long Sequence = -1,
    string? Layout = CountKeys.Layout, string? ReconcileStarted = null)
{
    /// <summary>The live counts, if this version can read them (written in another layout: none until a full pass rewrites them).</summary>
    public CountKeys? LiveKeys => Live is { } g && Layout == CountKeys.Layout ? new CountKeys(g) : null;

    /// <summary>The live generation's keys in any layout: what a full pass replaces and drops.</summary>
    public CountKeys? LiveGeneration => Live is { } g ? new CountKeys(g) : null;
}

/// <summary>One document's new record, or null when it is gone (deleted, or no longer in the index).</summary>
public sealed record RecordChange(string Key, MessageRecord? Record);

/// <summary>
/// Scout's counts in Redis: per-document records, per-minute groups and per-window totals of one generation, and the
/// state hash that names the live generation and the stream position. Every write is one MULTI/EXEC in the {scout} slot.
/// </summary>
public sealed class CountStore(RedisConnection redis)
{
    /// <summary>Pages of Scout's own hashes read per call (HSCAN COUNT): each call stays short whatever a minute holds.</summary>
    public const int ScanPage = 1000;

    private IDatabase Db => redis.Database;

    public async Task<CountState> ReadStateAsync()
    {
        var f = await Db.HashGetAsync(CountKeys.State,
            [StateFields.Version, StateFields.Live, StateFields.Position, StateFields.Windows, StateFields.Staging, StateFields.Reconciliation,
                StateFields.Sequence, StateFields.Layout, StateFields.ReconcileStarted]);
        return new CountState(
            f[0].IsNull ? 0 : (long)f[0], f[1].IsNull ? null : (long)f[1], f[2].IsNull ? "0-0" : f[2].ToString(),
            f[3].IsNull ? null : f[3].ToString(), f[4].IsNull ? null : (long)f[4], f[5].IsNull ? null : f[5].ToString(), f[6].IsNull ? -1 : (long)f[6],
            f[7].IsNull ? null : f[7].ToString(), f[8].IsNull ? null : f[8].ToString());
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

    /// <summary>The first minute each window counts at an instant: the minute of (now − length).</summary>
    public static Dictionary<string, long> StartsAt(IEnumerable<AnalyticsWindow> windows, DateTimeOffset now) =>
        windows.ToDictionary(w => w.Name, w => MessageRecord.MinuteOf(now - w.Length));

    public async Task<Dictionary<string, long>> ReadStartsAsync(CountKeys keys) =>
        (await Db.HashGetAllAsync(keys.Starts)).ToDictionary(e => e.Name.ToString(), e => (long)e.Value);

    /// <summary>
    /// Applies record changes: each changed document's old record is taken out of its minute and the windows that count
    /// it, the new one put in. Conditioned on <paramref name="version"/> when given (null: a private staging generation).
    /// Returns false when another writer changed the counts first (read again and retry).
    /// </summary>
    public async Task<bool> ApplyAsync(CountKeys keys, IReadOnlyList<RecordChange> changes, IReadOnlyDictionary<string, long> starts,
        long? version, Action<ITransaction>? alsoInTransaction = null)
    {
        var final = new Dictionary<string, MessageRecord?>(StringComparer.Ordinal);
        foreach (var change in changes) final[change.Key] = change.Record;
        var names = final.Keys.ToArray();
        var stored = await ReadRecordsAsync(keys, names);

        var increments = new Dictionary<(string Window, string Group), long>();
        void Count(MessageRecord record, long delta)
        {
            Add(increments, (AnalyticsWindow.AllName, record.Group), delta);
            if (record.Minute is not { } minute) return;
            foreach (var (window, start) in starts)
                if (minute >= start) Add(increments, (window, record.Group), delta);
        }

        var recordSets = new Dictionary<string, List<HashEntry>>();
        var recordDeletes = new Dictionary<string, List<RedisValue>>();
        var minuteSets = new Dictionary<string, List<HashEntry>>();
        var minuteDeletes = new Dictionary<string, List<RedisValue>>();
        var minutes = new HashSet<long>();
        for (var i = 0; i < names.Length; i++)
        {
            var old = stored[i];
            var now = final[names[i]];
            if (old == now) continue;
            if (old is { } o)
            {
                Count(o, -1);
                Bucket(minuteDeletes, o.MinuteName).Add(names[i]);
            }
            if (now is { } n)
            {
                Count(n, +1);
                Bucket(minuteSets, n.MinuteName).Add(new HashEntry(names[i], n.Group));
                Bucket(recordSets, keys.Records(names[i])).Add(new HashEntry(names[i], n.Encode()));
                if (n.Minute is { } minute) minutes.Add(minute);
            }
            else Bucket(recordDeletes, keys.Records(names[i])).Add(names[i]);
        }

        var tran = Db.CreateTransaction();
        // A staging generation is private to its full pass: its writes raise no version (the pass's switch is conditioned on it).
        if (version is { } v)
        {
            tran.AddCondition(Condition.HashEqual(CountKeys.State, StateFields.Version, v));
            _ = tran.HashIncrementAsync(CountKeys.State, StateFields.Version);
        }
        // Deletes before sets: a document that moved within one minute keeps its new group.
        foreach (var (minute, fields) in minuteDeletes) _ = tran.HashDeleteAsync(keys.Minute(minute), [.. fields]);
        foreach (var (minute, entries) in minuteSets) _ = tran.HashSetAsync(keys.Minute(minute), [.. entries]);
        foreach (var (shard, fields) in recordDeletes) _ = tran.HashDeleteAsync(shard, [.. fields]);
        foreach (var (shard, entries) in recordSets) _ = tran.HashSetAsync(shard, [.. entries]);
        if (minutes.Count > 0) _ = tran.SortedSetAddAsync(keys.Minutes, minutes.Select(m => new SortedSetEntry(m, m)).ToArray());
        foreach (var ((window, group), delta) in increments)
            if (delta != 0) _ = tran.HashIncrementAsync(keys.Window(window), group, delta);
        alsoInTransaction?.Invoke(tran);
        return await tran.ExecuteAsync();
    }

    /// <summary>
    /// Moves every window's start to <paramref name="wanted"/>: the minutes that left a window are read (HSCAN pages) and
    /// taken out of it. Costs the minutes passed since the last move, not what the window holds. False when another
    /// writer came first, or a start would move backwards (the clock went back: only a full pass can add minutes back).
    /// </summary>
    public async Task<bool> SlideAsync(CountKeys keys, long version, IReadOnlyDictionary<string, long> current, IReadOnlyDictionary<string, long> wanted)
    {
        var decrements = new Dictionary<(string Window, string Group), long>();
        var moved = new List<HashEntry>();
        foreach (var (window, to) in wanted)
        {
            if (!current.TryGetValue(window, out var from) || to < from) return false;
            if (to == from) continue;
            moved.Add(new HashEntry(window, to));
            foreach (var minute in await Db.SortedSetRangeByScoreAsync(keys.Minutes, from, to - 1))
                await foreach (var entry in Db.HashScanAsync(keys.Minute(minute.ToString()), pageSize: ScanPage))
                    Add(decrements, (window, entry.Value.ToString()), -1);
        }
        if (moved.Count == 0) return true;
        var tran = Db.CreateTransaction();
        tran.AddCondition(Condition.HashEqual(CountKeys.State, StateFields.Version, version));
        _ = tran.HashIncrementAsync(CountKeys.State, StateFields.Version);
        foreach (var ((window, group), delta) in decrements) _ = tran.HashIncrementAsync(keys.Window(window), group, delta);
        _ = tran.HashSetAsync(keys.Starts, [.. moved]);
        return await tran.ExecuteAsync();
    }

    /// <summary>Deletes a generation's keys in short calls (UNLINK frees large values off Redis' main thread).</summary>
    public async Task DropGenerationAsync(CountKeys keys)
    {
        // The windows it counted are the fields of its starts (the configured ones may have changed since).
        var windows = (await Db.HashKeysAsync(keys.Starts)).Select(w => w.ToString()).ToList();
        while (true)
        {
            // A few dozen hashes per UNLINK: 500 at once held Redis for 100 ms at 3,000,000 messages.
            var minutes = await Db.SortedSetRangeByRankAsync(keys.Minutes, 0, 49);
            if (minutes.Length == 0) break;
            await Db.KeyDeleteAsync(minutes.Select(m => (RedisKey)keys.Minute(m.ToString())).ToArray());
            await Db.SortedSetRemoveAsync(keys.Minutes, minutes);
        }
        await Db.KeyDeleteAsync([.. keys.AllRecords.Select(r => (RedisKey)r), keys.UnshardedRecords, keys.Minutes, keys.Starts, keys.Minute(MessageRecord.NoMinute),
            .. windows.Append(AnalyticsWindow.AllName).Select(w => (RedisKey)keys.Window(w))]);
    }

    /// <summary>
    /// A read-modify-write of the live counts under the optimistic lock: <paramref name="write"/> is given the state it
    /// is to be conditioned on and returns false when another writer came first; then the state is read again, up to
    /// <see cref="Attempts"/> times. Returns false without writing when there are no live counts.
    /// </summary>
    public async Task<bool> WriteLiveAsync(string what, Func<CountState, CountKeys, Task<bool>> write)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var state = await ReadStateAsync();
            if (state.LiveKeys is not { } live) return false;
            if (await write(state, live)) return true;
        }
        throw new InvalidOperationException($"{what} could not be written in {Attempts} attempts: other writers kept changing the counts");
    }

    /// <summary>How often a write that lost the optimistic lock is read again and retried.</summary>
    public const int Attempts = 20;

    /// <summary>A fresh generation for a full pass, recorded as staging (so a crashed pass's keys are dropped by the next).</summary>
    public async Task<CountKeys> StartGenerationAsync(IReadOnlyDictionary<string, long> starts)
    {
        // The version every write is conditioned on must exist to be compared (a missing field never equals a value).
        await Db.HashSetAsync(CountKeys.State, StateFields.Version, 0, When.NotExists);
        var generation = await Db.HashIncrementAsync(CountKeys.State, StateFields.NextGeneration);
        var keys = new CountKeys(generation);
        await Db.HashSetAsync(keys.Starts, starts.Select(s => new HashEntry(s.Key, s.Value)).ToArray());
        await Db.HashSetAsync(CountKeys.State, StateFields.Staging, generation);
        return keys;
    }

    /// <summary>Makes a staging generation live with the stream position it has counted up to, if no one wrote since <paramref name="version"/>.</summary>
    public Task<bool> SwitchAsync(CountKeys staging, long version, string position, long sequence, string windows, string reconciliation)
    {
        var tran = Db.CreateTransaction();
        tran.AddCondition(Condition.HashEqual(CountKeys.State, StateFields.Version, version));
        _ = tran.HashIncrementAsync(CountKeys.State, StateFields.Version);
        _ = tran.HashSetAsync(CountKeys.State, [
            new(StateFields.Live, staging.Generation), new(StateFields.Position, position), new(StateFields.Sequence, sequence), new(StateFields.Windows, windows),
            new(StateFields.Reconciliation, reconciliation), new(StateFields.Layout, CountKeys.Layout)]);
        _ = tran.HashDeleteAsync(CountKeys.State, StateFields.Staging);
        return tran.ExecuteAsync();
    }

    /// <summary>The stored records of the named documents, in their order (null where Scout holds none): one HMGET per shard, pipelined.</summary>
    public async Task<MessageRecord?[]> ReadRecordsAsync(CountKeys keys, IReadOnlyList<string> documents)
    {
        var records = new MessageRecord?[documents.Count];
        var reads = documents.Select((document, i) => (document, i)).GroupBy(d => keys.Records(d.document))
            .Select(async shard =>
            {
                var members = shard.ToArray();
                var values = await Db.HashGetAsync(shard.Key, members.Select(m => (RedisValue)m.document).ToArray());
                for (var j = 0; j < members.Length; j++) records[members[j].i] = MessageRecord.Decode(values[j].IsNull ? null : values[j].ToString());
            });
        await Task.WhenAll(reads);
        return records;
    }

    public async Task<long> CountRecordsAsync(CountKeys keys) =>
        (await Task.WhenAll(keys.AllRecords.Select(r => Db.HashLengthAsync(r)))).Sum();

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

    public Task ForgetMinuteAsync(CountKeys keys, long minute) => Db.SortedSetRemoveAsync(keys.Minutes, minute);

    /// <summary>Reads every window in one MULTI/EXEC, so all windows of a snapshot come from one state.</summary>
    public async Task<Dictionary<string, List<(string Group, long Count)>>> ReadWindowsAtomicallyAsync(CountKeys keys, IReadOnlyList<string> windows)
    {
        var tran = Db.CreateTransaction();
        var reads = windows.Select(w => (w, tran.HashGetAllAsync(keys.Window(w)))).ToList();
        await tran.ExecuteAsync();
        var result = new Dictionary<string, List<(string, long)>>();
        foreach (var (window, read) in reads)
            result[window] = (await read).Select(e => (e.Name.ToString(), (long)e.Value)).Where(e => e.Item2 > 0).ToList();
        return result;
    }

    private static void Add<TKey>(Dictionary<TKey, long> sums, TKey key, long delta) where TKey : notnull =>
        sums[key] = sums.GetValueOrDefault(key) + delta;

    private static List<T> Bucket<T>(Dictionary<string, List<T>> buckets, string name)
    {
        if (!buckets.TryGetValue(name, out var list)) buckets[name] = list = [];
        return list;
    }
}
