using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scout.Health;

/// <summary>The service endpoints' answers (GET /, /health, /health/ready).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IndexView))]
[JsonSerializable(typeof(HealthView))]
[JsonSerializable(typeof(ReadinessView))]
internal sealed partial class HealthJson : JsonSerializerContext;
