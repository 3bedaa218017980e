using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scout.Counting;

/// <summary>The last reconciliation as kept in the state hash (and shown by /health).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Reconciliation))]
public sealed partial class CountingJson : JsonSerializerContext;
