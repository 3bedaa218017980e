using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scout.Hosting;

public static class ScoutJson
{
    /// <summary>camelCase like the Go service; UTC timestamps stay "Z" because values are stored as UTC.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
