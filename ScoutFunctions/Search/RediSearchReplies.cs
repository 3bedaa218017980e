using System.Globalization;
using StackExchange.Redis;

namespace Scout.Search;

/// <summary>One page of an FT.AGGREGATE reply: rows as field maps, and the cursor to read on (0 = done).</summary>
public sealed record AggregatePage(IReadOnlyList<IReadOnlyDictionary<string, string?>> Rows, long CursorId);

/// <summary>
/// Parses FT.* replies in every shape a real engine sends: RediSearch 2.6 flat arrays (RESP2 and RESP3),
/// and the RESP3 maps of RediSearch 2.8+ (results/extra_attributes/warning).
/// </summary>
public static class RediSearchReplies
{
    public static bool IsMissingIndex(RedisServerException error) => SearchErrors.IsMissingIndex(error.Message);

    public static bool IsMissingModule(RedisServerException error) => SearchErrors.IsMissingModule(error.Message);

    public static IndexInfo ParseIndexInfo(string index, RedisResult reply)
    {
        var info = Pairs(reply);
        var definition = info.TryGetValue("index_definition", out var d) ? Pairs(d) : new Dictionary<string, RedisResult>();
        var keyType = definition.TryGetValue("key_type", out var type) && string.Equals(type.ToString(), "HASH", StringComparison.OrdinalIgnoreCase)
            ? IndexKeyType.Hash
            : IndexKeyType.Json;

        var fields = new List<IndexField>();
        if (info.TryGetValue("attributes", out var attributes))
        {
            foreach (var attribute in Items(attributes))
            {
                // 2.6 lists flags (SORTABLE, NOINDEX) as bare words after the pairs: only the leading pairs are read.
                var pairs = Pairs(attribute);
                if (pairs.TryGetValue("attribute", out var name) && pairs.TryGetValue("type", out var fieldType))
                    fields.Add(new IndexField(pairs.TryGetValue("identifier", out var id) ? id.ToString() : name.ToString(), name.ToString(), fieldType.ToString()));
            }
        }
        var timestamp = fields.Any(x => x.Attribute == "timestamp" && string.Equals(x.Type, "NUMERIC", StringComparison.OrdinalIgnoreCase))
            ? TimestampKind.Numeric
            : TimestampKind.Text;
        var prefixes = definition.TryGetValue("prefixes", out var p) ? Items(p).Select(x => x.ToString()).ToList() : [];
        var options = definition.Where(kv => !IsArrayOrMap(kv.Value)).ToDictionary(kv => kv.Key.ToLowerInvariant(), kv => kv.Value.ToString());
        var byKey = KeyReadPlan.From(keyType, prefixes, options, fields, out var why);
        return new IndexInfo(new IndexDefinition(index, keyType, timestamp, byKey), fields,
            Indexing: Number(info, "indexing") != 0,
            NumDocs: (long)Number(info, "num_docs"), ThroughIndexBecause: why);
    }

    private static double Number(Dictionary<string, RedisResult> pairs, string name) =>
        pairs.TryGetValue(name, out var value) && !value.IsNull
        && double.TryParse(value.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : 0;

    /// <param name="countWithoutRowsIsPartial">
    /// True for queries without FILTER: there a non-zero leading count with no rows can only be a
    /// reply cut short by the timeout (the engine's default RETURN policy).
    /// </param>
    public static AggregatePage ParseAggregate(RedisResult reply, bool countWithoutRowsIsPartial)
    {
        var cursorId = 0L;
        var body = reply;
        // WITHCURSOR wraps the page: [page, cursorId].
        if (IsArray(reply) && reply.Length == 2 && IsArrayOrMap(reply[0]) && !IsArray(reply[1]))
        {
            body = reply[0];
            cursorId = (long)reply[1];
        }
        return body.Resp3Type == ResultType.Map
            ? new AggregatePage(ParseMapPage(body), cursorId)
            : new AggregatePage(ParseFlatPage(body, countWithoutRowsIsPartial), cursorId);
    }

    /// <summary>
    /// The documents of an FT.SEARCH reply with RETURN: RESP2's flat [total, key, [field, value…], …] (RediSearch 2.6
    /// under either protocol) or RESP3's map with <c>results: [{id, extra_attributes}]</c> (2.8 and later).
    /// </summary>
    public static IReadOnlyList<MessageFields> ParseSearch(RedisResult reply)
    {
        var documents = new List<MessageFields>();
        if (reply.Resp3Type == ResultType.Map)
        {
            var page = Pairs(reply);
            if (page.TryGetValue("warning", out var warnings) && Items(warnings).Any(w => w.ToString().Contains("timeout", StringComparison.OrdinalIgnoreCase)))
                throw new SearchTimeoutException("RediSearch warning: " + string.Join("; ", Items(warnings).Select(w => w.ToString())));
            if (!page.TryGetValue("results", out var results)) return documents;
            foreach (var result in Items(results))
            {
                var fields = Pairs(result);
                var row = fields.TryGetValue("extra_attributes", out var attributes) ? Row(attributes) : [];
                documents.Add(Fields(fields.TryGetValue("id", out var id) ? id.ToString() : "", row));
            }
            return documents;
        }
        var items = Items(reply);
        for (var i = 1; i + 1 < items.Length; i += 2)
            documents.Add(Fields(items[i].ToString(), Row(items[i + 1])));
        return documents;
    }

    /// <summary>The rows of a scan (<c>LOAD @__key @severity @system @timestamp</c>) as documents.</summary>
    public static IReadOnlyList<MessageFields> Documents(IReadOnlyList<IReadOnlyDictionary<string, string?>> rows) =>
        rows.Select(r => Fields(r.GetValueOrDefault("__key") ?? "", r)).Where(d => d.Key.Length > 0).ToList();

    private static MessageFields Fields(string key, IReadOnlyDictionary<string, string?> row) =>
        new(key, row.GetValueOrDefault("severity"), row.GetValueOrDefault("system"), row.GetValueOrDefault("timestamp"));

    private static List<IReadOnlyDictionary<string, string?>> ParseFlatPage(RedisResult body, bool countWithoutRowsIsPartial)
    {
        var items = Items(body);
        var rows = new List<IReadOnlyDictionary<string, string?>>(Math.Max(0, items.Length - 1));
        // The leading number is not the row count (it counts before FILTER); only the rows matter.
        for (var i = 1; i < items.Length; i++)
        {
            if (items[i].Length == 0)
                throw new SearchTimeoutException("RediSearch returned an empty row: the query ran out of time and the reply is partial");
            rows.Add(Row(items[i]));
        }
        if (countWithoutRowsIsPartial && rows.Count == 0 && items.Length > 0 && !items[0].IsNull
            && items[0].Resp3Type == ResultType.Integer && (long)items[0] > 0)
            throw new SearchTimeoutException($"RediSearch counted {(long)items[0]} results but returned no rows: the reply is partial");
        return rows;
    }

    private static List<IReadOnlyDictionary<string, string?>> ParseMapPage(RedisResult body)
    {
        var page = Pairs(body);
        if (page.TryGetValue("warning", out var warnings))
        {
            foreach (var warning in Items(warnings))
            {
                var text = warning.ToString();
                if (text.Contains("timeout", StringComparison.OrdinalIgnoreCase))
                    throw new SearchTimeoutException("RediSearch warning: " + text);
            }
        }
        var rows = new List<IReadOnlyDictionary<string, string?>>();
        if (page.TryGetValue("results", out var results))
        {
            foreach (var result in Items(results))
            {
                var fields = Pairs(result);
                rows.Add(fields.TryGetValue("extra_attributes", out var attributes) ? Row(attributes) : new Dictionary<string, string?>());
            }
        }
        return rows;
    }

    private static Dictionary<string, string?> Row(RedisResult row)
    {
        var items = Items(row);
        var fields = new Dictionary<string, string?>(items.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Length; i += 2)
            fields[items[i].ToString()] = Scalar(items[i + 1]);
        return fields;
    }

    private static string? Scalar(RedisResult value) => value.IsNull
        ? null
        : value.Resp3Type == ResultType.Double ? ((double)value).ToString(CultureInfo.InvariantCulture) : value.ToString();

    private static Dictionary<string, RedisResult> Pairs(RedisResult result)
    {
        var items = Items(result);
        var pairs = new Dictionary<string, RedisResult>(items.Length / 2, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i + 1 < items.Length; i += 2)
            pairs[items[i].ToString()] = items[i + 1];
        return pairs;
    }

    private static RedisResult[] Items(RedisResult result) =>
        result.IsNull || !IsArrayOrMap(result) ? [] : (RedisResult[])result!;

    private static bool IsArray(RedisResult result) => result.Resp3Type is ResultType.Array or ResultType.Set;

    private static bool IsArrayOrMap(RedisResult result) => IsArray(result) || result.Resp3Type is ResultType.Map or ResultType.Attribute;
}
