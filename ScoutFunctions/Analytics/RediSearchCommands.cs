using System.Globalization;

namespace Scout.Analytics;

public sealed record SearchCommand(string Name, object[] Args)
{
    public override string ToString() => Name + " " + string.Join(' ', Args);
}

/// <summary>Builds the FT.* commands Scout sends. Pure, so tests compare them with the recorded ones.</summary>
public static class RediSearchCommands
{
    /// <summary>RFC 3339 text read as UTC seconds; fractions and the trailing Z are ignored by the engine.</summary>
    public const string ParseTimestamp = "parsetime(@timestamp, \"%Y-%m-%dT%H:%M:%S\")";

    public const int CursorPageSize = 10_000;

    public static SearchCommand Info(string index) => new("FT.INFO", [index]);

    /// <summary>The producer's schema (all TEXT), so Scout and omni-pitcher agree on the index.</summary>
    public static SearchCommand CreateProducerIndex(string index) => new("FT.CREATE",
    [
        index, "ON", "JSON", "SCHEMA",
        "$.severity", "AS", "severity", "TEXT",
        "$.system", "AS", "system", "TEXT",
        "$.timestamp", "AS", "timestamp", "TEXT",
        "$.title", "AS", "title", "TEXT",
        "$.message", "AS", "message", "TEXT",
        "$.author", "AS", "author", "TEXT",
        "$.tags", "AS", "tags", "TEXT",
    ]);

    public static SearchCommand WindowedCounts(IndexDefinition index, WindowPlan plan, TimeSpan timeout)
    {
        var args = new List<object> { index.Name, "*", "LOAD", "3", "@severity", "@system", "@timestamp" };
        // GROUPBY on a non-SORTABLE TEXT field keeps the original case: lower it before grouping.
        args.AddRange(["APPLY", "lower(@severity)", "AS", "sev"]);
        var groupBy = new List<object> { "@sev", "@system" };
        if (plan.Cutoffs.Count > 0)
        {
            var timestamp = "@timestamp";
            if (index.Timestamp == TimestampKind.Text)
            {
                args.AddRange(["APPLY", ParseTimestamp, "AS", "ts"]);
                timestamp = "@ts";
            }
            var bucket = string.Join(" + ", plan.Cutoffs.Select(c => $"({timestamp} >= {c.ToString(CultureInfo.InvariantCulture)})"));
            args.AddRange(["APPLY", bucket, "AS", "bucket"]);
            groupBy.Add("@bucket");
        }
        args.AddRange(["GROUPBY", groupBy.Count.ToString(CultureInfo.InvariantCulture), .. groupBy]);
        args.AddRange(["REDUCE", "COUNT", "0", "AS", "count"]);
        args.AddRange(["WITHCURSOR", "COUNT", CursorPageSize.ToString(CultureInfo.InvariantCulture)]);
        args.AddRange(["TIMEOUT", TimeoutMilliseconds(timeout)]);
        return new SearchCommand("FT.AGGREGATE", [.. args]);
    }

    /// <summary>
    /// Keys and timestamps of messages before the cut-off, read with a cursor (no LIMIT offsets).
    /// On text timestamps a value parsetime cannot read is null, and null passes "&lt;": those rows are
    /// reported as unparseable by the caller, never deleted.
    /// </summary>
    public static SearchCommand ExpiredKeys(IndexDefinition index, long cutoffUnixSeconds, TimeSpan timeout, int pageSize)
    {
        var cutoff = cutoffUnixSeconds.ToString(CultureInfo.InvariantCulture);
        var args = index.Timestamp == TimestampKind.Numeric
            ? new List<object> { index.Name, $"@timestamp:[-inf ({cutoff}]", "LOAD", "2", "@__key", "@timestamp" }
            : new List<object> { index.Name, "*", "LOAD", "2", "@__key", "@timestamp", "APPLY", ParseTimestamp, "AS", "ts", "FILTER", $"@ts < {cutoff}" };
        args.AddRange(["WITHCURSOR", "COUNT", pageSize.ToString(CultureInfo.InvariantCulture), "TIMEOUT", TimeoutMilliseconds(timeout)]);
        return new SearchCommand("FT.AGGREGATE", [.. args]);
    }

    public static SearchCommand CursorRead(string index, long cursorId, int pageSize = CursorPageSize) =>
        new("FT.CURSOR", ["READ", index, cursorId.ToString(CultureInfo.InvariantCulture), "COUNT", pageSize.ToString(CultureInfo.InvariantCulture)]);

    public static SearchCommand CursorDelete(string index, long cursorId) =>
        new("FT.CURSOR", ["DEL", index, cursorId.ToString(CultureInfo.InvariantCulture)]);

    private static string TimeoutMilliseconds(TimeSpan timeout) =>
        Math.Max(1, (long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
