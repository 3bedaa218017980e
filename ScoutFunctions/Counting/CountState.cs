using System.Globalization;
using StackExchange.Redis;

namespace Scout.Counting;

/// <summary>Where the stream was read up to: the last entry's ID and its number among all ever added (-1: not known).</summary>
public readonly record struct StreamCursor(string Position, long Sequence)
{
    public static readonly StreamCursor Start = new("0-0", -1);
}

/// <summary>
/// The state hash as read once per cycle: the version every write is conditioned on, the live generation, the stream
/// cursor and what the counts were made from; and the live generation's window starts. A committed write updates it
/// in place of a second read (<see cref="After"/>).
/// </summary>
public sealed record CountState(long Version, long? Live, StreamCursor Cursor, string? Source, long? Staging, string? Reconciliation,
    string? Layout, string? ReconcileStarted, IReadOnlyDictionary<string, long> Starts)
{
    public static readonly CountState Empty = new(0, null, StreamCursor.Start, null, null, null, null, null, new Dictionary<string, long>());

    public string Position => Cursor.Position;

    /// <summary>The live counts, if this version can read them (written in another layout: none until a full pass rewrites them).</summary>
    public CountKeys? LiveKeys => Live is { } g && Layout == CountKeys.Layout ? new CountKeys(g) : null;

    /// <summary>The live generation's keys in any layout: what a full pass replaces and drops.</summary>
    public CountKeys? LiveGeneration => Live is { } g ? new CountKeys(g) : null;

    /// <summary>The state once <paramref name="write"/> committed: one version on, its cursor and starts taken.</summary>
    public CountState After(CountWrite write)
    {
        var starts = new Dictionary<string, long>(Starts);
        foreach (var (window, start) in write.Changes.Starts) starts[window] = start;
        return this with { Version = Version + 1, Cursor = write.MovesTo ?? Cursor, Starts = starts };
    }

    /// <summary>Reads the fields by name (a field missing is its default); the starts are the live generation's, read apart.</summary>
    public static CountState From(HashEntry[] state)
    {
        var f = state.ToDictionary(e => e.Name.ToString(), e => e.Value);
        string? Text(string name) => f.TryGetValue(name, out var v) && !v.IsNull ? v.ToString() : null;
        long? Number(string name) => Text(name) is { } text ? long.Parse(text, CultureInfo.InvariantCulture) : null;
        return new CountState(Number(StateFields.Version) ?? 0, Number(StateFields.Live),
            new StreamCursor(Text(StateFields.Position) ?? "0-0", Number(StateFields.Sequence) ?? -1), Text(StateFields.Windows),
            Number(StateFields.Staging), Text(StateFields.Reconciliation), Text(StateFields.Layout), Text(StateFields.ReconcileStarted),
            new Dictionary<string, long>());
    }

    /// <summary>A generation's starts hash: window → its first minute.</summary>
    public static Dictionary<string, long> StartsFrom(HashEntry[] starts) =>
        starts.ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);
}

/// <summary>
/// The one write to Scout's counts: apply <paramref name="Changes"/> to generation <paramref name="Keys"/>, conditioned on
/// <paramref name="Version"/> (null: a full pass's private generation, which no one else writes), and move the stream
/// cursor to <paramref name="MovesTo"/> when given.
/// </summary>
public sealed record CountWrite(CountKeys Keys, CountChanges Changes, long? Version, StreamCursor? MovesTo = null);
