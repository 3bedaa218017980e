using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scout.Analytics;

/// <summary>Snapshots as stored in Redis and the views served: camelCase like the Go service, nulls left out, metadata made at compile time.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AnalyticsSnapshot))]
[JsonSerializable(typeof(SummaryView))]
[JsonSerializable(typeof(SystemsView))]
[JsonSerializable(typeof(AlertsView))]
[JsonSerializable(typeof(TimelineSnapshot))]
[JsonSerializable(typeof(TimelineView))]
public sealed partial class AnalyticsJson : JsonSerializerContext;
