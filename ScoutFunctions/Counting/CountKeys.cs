using System.Globalization;
using Scout.Redis;

namespace Scout.Counting;

/// <summary>
/// The keys of Scout's counts, all under the {scout} hash tag (one slot, so one transaction can touch them all).
/// Each full pass builds a new generation beside the live one and switches with one field of the state hash.
/// </summary>
public sealed record CountKeys(long Generation)
{
    public const string State = ScoutKeys.Prefix + "count:state";

    private string Base => $"{ScoutKeys.Prefix}count:{Generation.ToString(CultureInfo.InvariantCulture)}:";

    /// <summary>HASH: document key → its record (minute, severity, system), to undo a message's counts when it changes or goes.</summary>
    public string Records => Base + "keys";

    /// <summary>HASH per minute: document key → group; what leaves a window as time passes, and what expires in retention.</summary>
    public string Minute(string minuteName) => Base + "min:" + minuteName;

    /// <summary>ZSET of the minutes that hold messages (score = minute), to find them by range.</summary>
    public string Minutes => Base + "minutes";

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
}
