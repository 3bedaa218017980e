using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Scout.Alerting;
using Scout.Analytics;
using Scout.Functions;
using Scout.Http;

namespace Scout.Hosting;

public static class ScoutJson
{
    /// <summary>
    /// camelCase like the Go service; UTC timestamps stay "Z" because values are stored as UTC.
    /// Scout's own types use the compile-time metadata of <see cref="ScoutJsonContext"/>: no reflection-built
    /// serializers to create at start-up. Any other type falls back to reflection.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = JsonTypeInfoResolver.Combine(ScoutJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };
}

/// <summary>Every type Scout writes or reads as JSON, with the settings of <see cref="ScoutJson.Options"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AnalyticsSnapshot))]
[JsonSerializable(typeof(SummaryView))]
[JsonSerializable(typeof(SystemsView))]
[JsonSerializable(typeof(AlertsView))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(TimerRecord))]
[JsonSerializable(typeof(PitchMessage))]
[JsonSerializable(typeof(Scout.Counting.Reconciliation))]
[JsonSerializable(typeof(ServiceFunctions.IndexView))]
[JsonSerializable(typeof(ServiceFunctions.HealthView))]
[JsonSerializable(typeof(ServiceFunctions.ReadinessView))]
internal sealed partial class ScoutJsonContext : JsonSerializerContext;
