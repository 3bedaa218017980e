using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Scout.Redis;

namespace Scout.Counting;

/// <summary>
/// The keys of Scout's counts, all under the {scout} hash tag (one slot, so one transaction can touch them all).
/// Each full pass builds a new generation beside the live one and switches with one field of the state hash.
/// </summary>
public sealed record CountKeys(long Generation)
{
    public const string State = ScoutKeys.Prefix + "count:state";

    /// <summary>How this version lays the counts out; counts in another layout are rewritten by a full pass ("layout changed").</summary>
    public const string Layout = "records=64;minute-counts";

    private string Base => $"{ScoutKeys.Prefix}count:{Generation.ToString(CultureInfo.InvariantCulture)}:";

    /// <summary>
    /// How many hashes the records are spread over. One hash of millions of fields held Redis for 50 ms when its table
    /// doubled (measured at 3,000,000); 64 keep each table under a megabyte up to tens of millions of messages.
    /// </summary>
    public const int RecordShards = 64;

    /// <summary>HASH: document key → its record (minute, severity, system), to undo a message's counts when it changes or goes; the shard of <paramref name="document"/>.</summary>
    public string Records(string document) => RecordShard(ShardOf(document));

    /// <summary>Every shard of the records, to count or drop them all.</summary>
    public IEnumerable<string> AllRecords => Enumerable.Range(0, RecordShards).Select(RecordShard);

    /// <summary>The records of the first layout (one hash), dropped with their generation.</summary>
    public string UnshardedRecords => Base + "keys";

    private string RecordShard(int shard) => Base + "keys:" + shard.ToString(CultureInfo.InvariantCulture);

    /// <summary>A hash stable across processes and versions (string.GetHashCode is neither).</summary>
    public static int ShardOf(string document) => (int)(XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(document)) % RecordShards);

    /// <summary>
    /// HASH per minute: document key → group; what leaves a window as time passes, and what expires in retention. Named by
    /// <see cref="MessageRecord.MinuteName"/>: the Unix minute (Unix seconds / 60, rounded down) as a decimal number, or "-"
    /// for messages whose timestamp does not parse (counted in "all" only, and never listed in <see cref="Minutes"/>).
    /// </summary>
    public string Minute(string minuteName) => Base + "min:" + minuteName;

    /// <summary>HASH per minute: group → count; what a window loses as it slides past the minute, and the timeline's points.</summary>
    public string MinuteCounts(string minuteName) => Base + "mc:" + minuteName;

    /// <summary>ZSET of the minutes that hold messages (score = minute), to find them by range.</summary>
    public string Minutes => Base + "minutes";

    /// <summary>
    /// ZSET of the minutes whose counts a versioned write changed (member = minute, score = the version that write
    /// raised the state to): a reader holding the minutes as of version V reads only those scored above V.
    /// </summary>
    public string ChangedMinutes => Base + "mchanged";

    /// <summary>HASH per window (and "all"): group → count.</summary>
    public string Window(string window) => Base + "win:" + window;

    /// <summary>HASH: window → first minute it counts.</summary>
    public string Starts => Base + "starts";
}

/// <summary>The fields of <see cref="CountKeys.State"/>.</summary>
public static class StateFields
{
    /// <summary>Raised by every write to the counts; each write is conditioned on the value it read (optimistic lock).</summary>
    public const string Version = "version";
    public const string Live = "live";
    public const string NextGeneration = "nextGeneration";
    public const string Staging = "staging";

    /// <summary>The last stream entry counted, and its number among all entries ever added (XINFO entries-added).</summary>
    public const string Position = "position";
    public const string Sequence = "sequence";

    /// <summary>The windows the live generation counts ("5m=5,1h=60"): another set needs a full pass.</summary>
    public const string Windows = "windows";

    public const string Reconciliation = "reconciliation";

    /// <summary>When the last reconciliation began (RFC 3339): one that failed is tried again an interval later, not every cycle.</summary>
    public const string ReconcileStarted = "reconcileStarted";

    /// <summary>The layout of the live generation's keys (<see cref="CountKeys.Layout"/>; missing: the first, unsharded one).</summary>
    public const string Layout = "layout";
}
