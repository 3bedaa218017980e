using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace Scout.Search;

/// <summary>What reading one document by key found.</summary>
public enum KeyReadKind
{
    /// <summary>The index does not hold it: missing (deleted), of the other key type, or outside every prefix.</summary>
    NotHeld,

    /// <summary>The index holds it, with these fields (as FT.SEARCH would return them).</summary>
    Held,

    /// <summary>Not decidable from the document alone (a value the index may refuse, or a hash with none of its fields): ask the index.</summary>
    AskIndex,
}

public readonly record struct KeyRead(KeyReadKind Kind, MessageFields? Fields = null)
{
    public static readonly KeyRead NotHeld = new(KeyReadKind.NotHeld);
    public static readonly KeyRead AskIndex = new(KeyReadKind.AskIndex);
}

/// <summary>
/// How the documents an index covers are read with plain commands (<c>JSON.MGET … $</c>, <c>HMGET</c>) instead of
/// <c>FT.SEARCH … INKEYS</c>, whose cost grows with the index: its key type and prefixes decide which keys it covers,
/// and every attribute is checked the way the engine checks it when it indexes the document (a JSON string for TEXT
/// and TAG, a JSON number or a hash field that reads as a number for NUMERIC), so a document the engine would refuse
/// to index is never counted. Anything else about a document is left to the index (<see cref="KeyReadKind.AskIndex"/>).
/// Pure: built once per cycle from FT.INFO.
/// </summary>
public sealed partial class KeyReadPlan
{
    private const string Severity = "severity", System = "system", Timestamp = "timestamp";

    private KeyReadPlan(IndexKeyType keyType, IReadOnlyList<string> prefixes, IReadOnlyList<IndexField> fields)
    {
        KeyType = keyType;
        Prefixes = prefixes;
        Fields = fields;
        HashFields = [.. fields.Select(f => f.Identifier).Distinct(StringComparer.Ordinal)];
        _paths = keyType == IndexKeyType.Json ? fields.Select(f => f.Identifier[2..].Split('.')).ToArray() : [];
        _hashSlots = fields.Select(f => Array.IndexOf(HashFields, f.Identifier)).ToArray();
        _counted = [Array.FindIndex(fields.ToArray(), f => f.Attribute == Severity),
            Array.FindIndex(fields.ToArray(), f => f.Attribute == System),
            Array.FindIndex(fields.ToArray(), f => f.Attribute == Timestamp)];
    }

    public IndexKeyType KeyType { get; }

    /// <summary>The index's prefixes; empty when it covers every key.</summary>
    public IReadOnlyList<string> Prefixes { get; }

    /// <summary>Every attribute of the index (a document is indexed only when each of them holds a value the engine takes).</summary>
    public IReadOnlyList<IndexField> Fields { get; }

    /// <summary>The hash fields HMGET asks for, in order: each attribute's identifier once.</summary>
    public string[] HashFields { get; }

    private readonly string[][] _paths;
    private readonly int[] _hashSlots;
    private readonly int[] _counted;

    /// <summary>
    /// The plan, or null (and why) when only the index can say which documents it holds: an index with a FILTER
    /// expression (whether a document passes is the engine's to evaluate), with a language, score or payload field, with
    /// attributes other than TEXT, TAG and NUMERIC, with a JSON attribute that is not a plain <c>$.a.b</c> path, or
    /// without a severity, system or timestamp attribute (FT.SEARCH would then read a field of that name on its own terms).
    /// </summary>
    public static KeyReadPlan? From(IndexKeyType keyType, IReadOnlyList<string> prefixes, IReadOnlyDictionary<string, string> options,
        IReadOnlyList<IndexField> fields, out string why)
    {
        why = "";
        if (options.Keys.FirstOrDefault(o => o is "filter" or "language_field" or "score_field" or "payload_field") is { } option)
            why = $"the index has a {option}";
        else if (fields.FirstOrDefault(f => !IsPlainType(f.Type)) is { } other)
            why = $"attribute {other.Attribute} is {other.Type}";
        else if (keyType == IndexKeyType.Json && fields.FirstOrDefault(f => !PlainPath().IsMatch(f.Identifier)) is { } path)
            why = $"attribute {path.Attribute} has the path {path.Identifier}";
        else if (new[] { Severity, System, Timestamp }.FirstOrDefault(a => fields.All(f => f.Attribute != a)) is { } missing)
            why = $"the index has no {missing} attribute";
        // A prefix "" (the engine's own answer for an index without PREFIX) covers every key.
        return why.Length > 0 ? null : new KeyReadPlan(keyType, prefixes.Any(p => p.Length == 0) ? [] : prefixes, fields);
    }

    private static bool IsPlainType(string type) => type.ToUpperInvariant() is "TEXT" or "TAG" or "NUMERIC";

    [GeneratedRegex(@"^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainPath();

    /// <summary>A number as the engine's NUMERIC takes it from a hash field (no spaces, no sign but '-', no hex, no inf).</summary>
    [GeneratedRegex(@"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainNumber();

    /// <summary>Whether the index covers a key of its type with this name.</summary>
    public bool Covers(string key) => Prefixes.Count == 0 || Prefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal));

    /// <summary>A document from <c>JSON.MGET … $</c>: null when the key is missing or not JSON, else <c>[document]</c>.</summary>
    public KeyRead ReadJson(string key, string? reply)
    {
        if (reply is null) return KeyRead.NotHeld;
        using var parsed = JsonDocument.Parse(reply);
        var root = parsed.RootElement;
        if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() != 1 || root[0].ValueKind != JsonValueKind.Object)
            return KeyRead.AskIndex;
        var values = new string?[Fields.Count];
        for (var i = 0; i < Fields.Count; i++)
        {
            if (Find(root[0], _paths[i]) is not { } value) continue;
            var type = Fields[i].Type.ToUpperInvariant();
            if (value.ValueKind == JsonValueKind.String && type is "TEXT" or "TAG") values[i] = value.GetString();
            // The number as FT.SEARCH returns it on RESP3 (a double; RESP2 gives RedisJSON's text, "1773230400.0"): parsed alike.
            else if (value.ValueKind == JsonValueKind.Number && type == "NUMERIC") values[i] = Number(value.GetDouble());
            // null, arrays, booleans, objects, a number on TEXT or a string on NUMERIC: the index decides.
            else return KeyRead.AskIndex;
        }
        return Held(key, values);
    }

    /// <summary>
    /// A hash from <c>HMGET key <see cref="HashFields"/></c>; null when the key is not a hash (WRONGTYPE). A hash with
    /// none of the fields cannot be told from a missing key by HMGET: the index is asked.
    /// </summary>
    public KeyRead ReadHash(string key, RedisValue[]? reply)
    {
        if (reply is null) return KeyRead.NotHeld;
        if (reply.All(v => v.IsNull)) return KeyRead.AskIndex;
        var values = new string?[Fields.Count];
        for (var i = 0; i < Fields.Count; i++)
        {
            var value = reply[_hashSlots[i]];
            if (value.IsNull) continue;
            var text = value.ToString();
            if (!string.Equals(Fields[i].Type, "NUMERIC", StringComparison.OrdinalIgnoreCase)) values[i] = text;
            // FT.SEARCH returns the number the engine parsed ("1e3" as "1000"), shortest round-trip form.
            else if (PlainNumber().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                     && double.IsFinite(number)) values[i] = Number(number);
            else return KeyRead.AskIndex;
        }
        return Held(key, values);
    }

    private static string Number(double number) => number.ToString("R", CultureInfo.InvariantCulture);

    private KeyRead Held(string key, string?[] values) =>
        new(KeyReadKind.Held, new MessageFields(key, values[_counted[0]], values[_counted[1]], values[_counted[2]]));

    /// <summary>The value at a plain path, or null when the path matches nothing (as JSONPath: no match through a non-object).</summary>
    private static JsonElement? Find(JsonElement document, string[] path)
    {
        var at = document;
        foreach (var name in path)
        {
            if (at.ValueKind != JsonValueKind.Object || !at.TryGetProperty(name, out at)) return null;
        }
        return at;
    }
}
