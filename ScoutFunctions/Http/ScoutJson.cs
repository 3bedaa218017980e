using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Scout.Alerting;
using Scout.Analytics;
using Scout.Counting;
using Scout.Health;

namespace Scout.Http;

/// <summary>
/// The JSON options of every HTTP answer: camelCase like the Go service, nulls left out, UTC timestamps stay "Z".
/// Each concern declares its own types in its context (compile-time metadata: no reflection-built serializers at
/// start-up, nothing for native AOT to miss); these options chain them and nothing else, so a type no context
/// declares fails in every test, not only in the AOT build.
/// </summary>
public static class ScoutJson
{
    public static IEnumerable<IJsonTypeInfoResolver> Contexts =>
        [AnalyticsJson.Default, CountingJson.Default, AlertingJson.Default, HealthJson.Default, HttpJson.Default];

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = JsonTypeInfoResolver.Combine([.. Contexts]),
    };
}

/// <summary>The error body of every 4xx/5xx answer.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class HttpJson : JsonSerializerContext;
