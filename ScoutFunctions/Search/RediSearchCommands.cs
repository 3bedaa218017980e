using System.Globalization;
using NRedisStack;
using NRedisStack.RedisStackCommands;
using NRedisStack.Search;
using NRedisStack.Search.Aggregation;
using NRedisStack.Search.Literals.Enums;

namespace Scout.Search;

/// <summary>An FT.* command as sent: every argument already formatted as text.</summary>
public sealed record SearchCommand(string Name, object[] Args)
{
    /// <summary>NRedisStack's command with its arguments formatted invariantly (it leaves numbers to the client).</summary>
    public static SearchCommand From(SerializedCommand command) => new(command.Command,
        command.Args.Select(a => (object)(Convert.ToString(a, CultureInfo.InvariantCulture) ?? "")).ToArray());

    public override string ToString() => Name + " " + string.Join(' ', Args);
}

/// <summary>
/// Builds the FT.* commands Scout sends, through NRedisStack's typed builders. Pure, so tests compare them
/// with the recorded ones.
/// </summary>
public static class RediSearchCommands
{
    /// <summary>RFC 3339 text read as UTC seconds; fractions and the trailing Z are ignored by the engine.</summary>
    public const string ParseTimestamp = "parsetime(@timestamp, \"%Y-%m-%dT%H:%M:%S\")";

    public const int CursorPageSize = 10_000;

    /// <summary>
    /// Every query names its dialect: Redis 8 deprecates dialect 1 (still the server's default) and an operator may
    /// change the default (search-default-dialect). Scout's queries (<c>*</c>, a numeric range) read alike in 1 and 2;
    /// 2 is supported from RediSearch 2.4 on.
    /// </summary>
    public const int Dialect = 2;

    public static SearchCommand Info(string index) => SearchCommand.From(SearchCommandBuilder.Info(index));

    /// <summary>Drops an index definition only: the documents stay (no DD, ever).</summary>
    public static SearchCommand DropIndex(string index) => SearchCommand.From(SearchCommandBuilder.DropIndex(index, dd: false));

    /// <summary>The producer's schema (all TEXT), so Scout and omni-pitcher agree on the index.</summary>
    public static SearchCommand CreateProducerIndex(string index)
    {
        var schema = new Schema();
        foreach (var field in new[] { "severity", "system", "timestamp", "title", "message", "author", "tags" })
            schema.AddTextField(new FieldName("$." + field, field));
        return SearchCommand.From(SearchCommandBuilder.Create(index, new FTCreateParams().On(IndexDataType.JSON), schema));
    }

    /// <summary>
    /// Keys and timestamps of messages before the cut-off, read with a cursor (no LIMIT offsets).
    /// On text timestamps a value parsetime cannot read is null, and null passes "&lt;": those rows are
    /// reported as unparseable by the caller, never deleted.
    /// </summary>
    public static SearchCommand ExpiredKeys(IndexDefinition index, long cutoffUnixSeconds, TimeSpan timeout, int pageSize)
    {
        var cutoff = cutoffUnixSeconds.ToString(CultureInfo.InvariantCulture);
        FieldName[] keyAndTimestamp = [new FieldName("@__key"), new FieldName("@timestamp")];
        var request = index.Timestamp == TimestampKind.Numeric
            ? new AggregationRequest($"@timestamp:[-inf ({cutoff}]").Load(keyAndTimestamp)
            : new AggregationRequest("*").Load(keyAndTimestamp).Apply(ParseTimestamp, "ts").Filter($"@ts < {cutoff}");
        request.Cursor(pageSize, null).Timeout(TimeoutMilliseconds(timeout)).Dialect(Dialect);
        return SearchCommand.From(SearchCommandBuilder.Aggregate(index.Name, request));
    }

    /// <summary>The fields Scout counts, of the named documents only (INKEYS): its cost follows the keys named, not the index.</summary>
    public static SearchCommand ReadFields(string index, IReadOnlyList<string> keys, TimeSpan timeout)
    {
        var args = new List<object>(keys.Count + 16) { index, "*", "INKEYS", keys.Count.ToString(CultureInfo.InvariantCulture) };
        args.AddRange(keys);
        args.AddRange(["RETURN", "3", "severity", "system", "timestamp",
            "LIMIT", "0", keys.Count.ToString(CultureInfo.InvariantCulture),
            "TIMEOUT", TimeoutMilliseconds(timeout).ToString(CultureInfo.InvariantCulture),
            "DIALECT", Dialect.ToString(CultureInfo.InvariantCulture)]);
        return new SearchCommand("FT.SEARCH", [.. args]);
    }

    /// <summary>
    /// Every document's key and counted fields in cursor pages: no GROUPBY, SORTBY or FILTER, so the engine reads
    /// one page per call instead of the whole index before the first row.
    /// </summary>
    public static SearchCommand ScanFields(string index, int pageSize, TimeSpan timeout)
    {
        var request = new AggregationRequest("*")
            .Load(new FieldName("@__key"), new FieldName("@severity"), new FieldName("@system"), new FieldName("@timestamp"))
            .Cursor(pageSize, null)
            .Timeout(TimeoutMilliseconds(timeout))
            .Dialect(Dialect);
        return SearchCommand.From(SearchCommandBuilder.Aggregate(index, request));
    }

    public static SearchCommand CursorRead(string index, long cursorId, int pageSize = CursorPageSize) =>
        SearchCommand.From(SearchCommandBuilder.CursorRead(index, cursorId, pageSize));

    public static SearchCommand CursorDelete(string index, long cursorId) =>
        SearchCommand.From(SearchCommandBuilder.CursorDel(index, cursorId));

    private static long TimeoutMilliseconds(TimeSpan timeout) => Math.Max(1, (long)timeout.TotalMilliseconds);
}
