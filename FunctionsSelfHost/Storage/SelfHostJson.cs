using System.Text.Json;
using System.Text.Json.Serialization;
using FunctionsSelfHost.Timers;

namespace FunctionsSelfHost.Storage;

/// <summary>The self-host's own records in Redis: camelCase, nulls left out, metadata made at compile time.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TimerRecord))]
internal sealed partial class SelfHostJson : JsonSerializerContext;
