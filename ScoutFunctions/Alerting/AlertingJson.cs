using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scout.Alerting;

/// <summary>The message sent to omni-pitcher.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PitchMessage))]
public sealed partial class AlertingJson : JsonSerializerContext;
