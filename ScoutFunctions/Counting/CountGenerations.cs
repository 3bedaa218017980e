using Scout.Configuration;
using Scout.Redis;
using StackExchange.Redis;

namespace Scout.Counting;

/// <summary>
/// The life of a generation of counts: a full pass starts one beside the live one (recorded as staging, so a crashed
/// pass's keys are dropped by the next), switches it live in one conditioned transaction, and drops the one it replaced.
/// </summary>
public sealed class CountGenerations(RedisConnection redis)
{
    private IDatabase Db => redis.Database;

    /// <summary>A fresh generation counting the windows from <paramref name="starts"/>.</summary>
    public async Task<CountKeys> StartAsync(IReadOnlyDictionary<string, long> starts)
    {
        // The version every write is conditioned on must exist to be compared (a missing field never equals a value).
        await Db.HashSetAsync(CountKeys.State, StateFields.Version, 0, When.NotExists);
        var keys = new CountKeys(await Db.HashIncrementAsync(CountKeys.State, StateFields.NextGeneration));
        await Db.HashSetAsync(keys.Starts, [.. starts.Select(s => new HashEntry(s.Key, s.Value))]);
        await Db.HashSetAsync(CountKeys.State, StateFields.Staging, keys.Generation);
        return keys;
    }

    /// <summary>Makes a staging generation live with the stream cursor it counted up to, if no one wrote since <paramref name="version"/>.</summary>
    public Task<bool> SwitchAsync(CountKeys staging, long version, StreamCursor cursor, string source, string reconciliation)
    {
        var tran = Db.CreateTransaction();
        tran.AddCondition(Condition.HashEqual(CountKeys.State, StateFields.Version, version));
        _ = tran.HashIncrementAsync(CountKeys.State, StateFields.Version);
        _ = tran.HashSetAsync(CountKeys.State, [
            new(StateFields.Live, staging.Generation), new(StateFields.Position, cursor.Position), new(StateFields.Sequence, cursor.Sequence),
            new(StateFields.Windows, source), new(StateFields.Reconciliation, reconciliation), new(StateFields.Layout, CountKeys.Layout)]);
        _ = tran.HashDeleteAsync(CountKeys.State, StateFields.Staging);
        return tran.ExecuteAsync();
    }

    /// <summary>Deletes a generation's keys in short calls (UNLINK frees large values off Redis' main thread).</summary>
    public async Task DropAsync(CountKeys keys)
    {
        // The windows it counted are the fields of its starts (the configured ones may have changed since).
        var windows = (await Db.HashKeysAsync(keys.Starts)).Select(w => w.ToString()).ToList();
        while (true)
        {
            // A few dozen hashes per UNLINK: 500 at once held Redis for 100 ms at 3,000,000 messages.
            var minutes = await Db.SortedSetRangeByRankAsync(keys.Minutes, 0, 24);
            if (minutes.Length == 0) break;
            await Db.KeyDeleteAsync([.. minutes.SelectMany(m => new RedisKey[] { keys.Minute(m.ToString()), keys.MinuteCounts(m.ToString()) })]);
            await Db.SortedSetRemoveAsync(keys.Minutes, minutes);
        }
        await Db.KeyDeleteAsync([.. keys.AllRecords.Select(r => (RedisKey)r), keys.UnshardedRecords, keys.Minutes, keys.Starts,
            keys.Minute(MessageRecord.NoMinute), keys.MinuteCounts(MessageRecord.NoMinute),
            .. windows.Append(AnalyticsWindow.AllName).Select(w => (RedisKey)keys.Window(w))]);
    }

    /// <summary>Drops what a full pass was building and did not finish, unless it is live.</summary>
    public async Task DropAbandonedAsync(CountState state)
    {
        if (state is { Staging: { } abandoned } && abandoned != state.Live) await DropAsync(new CountKeys(abandoned));
    }
}
