using System.Text.Json;
using System.Text.RegularExpressions;

namespace Scout.Tests.Unit.Search;

/// <summary>The replies recorded from RediSearch 2.6 (Fixtures/redisearch-2.6): cases.json and the raw reply bytes.</summary>
internal static class RecordedCases
{
    public static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "redisearch-2.6");

    // The recorder (Python) wrote FT.INFO's NaN statistics as bare NaN, which JSON does not allow.
    private static readonly Lazy<JsonDocument> Document = new(() => JsonDocument.Parse(
        Regex.Replace(File.ReadAllText(Path.Combine(Directory, "cases.json")), @"(?<=[\[,:]\s*)NaN(?=\s*[,\]}])", "null")));

    public static JsonElement Root => Document.Value.RootElement;

    public static JsonElement Case(string name) => Root.GetProperty("cases").GetProperty(name);

    public static long ReferenceNowUnix => Root.GetProperty("reference_now_unix").GetInt64();

    public static DateTimeOffset ReferenceNow => DateTimeOffset.Parse(Root.GetProperty("reference_now").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The exact command the case sent, name first.</summary>
    public static string[] Command(string name) =>
        Case(name).GetProperty("command").EnumerateArray().Select(a => a.GetString()!).ToArray();

    /// <summary>The decoded reply as cases.json stores it ("resp2" or "resp3").</summary>
    public static JsonElement Reply(string name, string protocol) => Case(name).GetProperty(protocol);

    public static byte[] Bytes(string name, string protocol) => File.ReadAllBytes(Path.Combine(Directory, $"{name}.{protocol}"));
}
