using System.Text.Json;

namespace Scout.Hosting;

/// <summary>Adds the Functions app's setting files below the environment, as the Functions host layers them.</summary>
public static class FunctionsAppSettings
{
    /// <summary>Settings whose defaults schedules refer to with %SETTING%.</summary>
    private static readonly Dictionary<string, string?> Defaults = new() { ["SCOUT_INTERVAL"] = "60s" };

    /// <summary>
    /// Schedule settings that, left unset or empty, mean another one's: the Go service's ALERT_SCHEDULE and
    /// SCOUT_RETENTION_SCHEDULE default to SCOUT_INTERVAL. The Functions host has no such fallback, so under it
    /// these settings must be set (README "Functions", keda/components/functions-host).
    /// </summary>
    private static readonly Dictionary<string, string> Fallbacks = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ALERT_SCHEDULE"] = "SCOUT_INTERVAL",
        ["SCOUT_RETENTION_SCHEDULE"] = "SCOUT_INTERVAL",
    };

    /// <summary>A timer trigger's schedule as the self-host follows it: "%SETTING%" becomes its fallback's when the setting is unset or empty.</summary>
    public static string EffectiveSchedule(string schedule, IConfiguration settings)
    {
        var text = schedule.Trim();
        if (text.Length > 2 && text[0] == '%' && text[^1] == '%' && Fallbacks.TryGetValue(text[1..^1], out var fallback)
            && string.IsNullOrWhiteSpace(settings[text[1..^1]]))
            return $"%{fallback}%";
        return schedule;
    }

    /// <summary>
    /// Lowest first: defaults, host.json, local.settings.json "Values" (local development only);
    /// everything already registered (environment variables, command line) keeps winning.
    /// </summary>
    public static void AddFunctionsAppSettings(this IConfigurationManager configuration, string directory)
    {
        var sources = (IConfigurationBuilder)configuration;
        sources.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = Defaults });
        try
        {
            sources.Sources.Insert(1, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
            {
                Path = "host.json",
                Optional = true,
                FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(directory),
            });
        }
        catch (InvalidDataException error)
        {
            throw new Scout.Configuration.ConfigurationError("host.json", null, "a JSON document (" + (error.InnerException ?? error).Message + ")");
        }
        var localSettings = Path.Combine(directory, "local.settings.json");
        if (File.Exists(localSettings))
            sources.Sources.Insert(2, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = ReadValues(localSettings) });
    }

    private static Dictionary<string, string?> ReadValues(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException error)
        {
            throw new Scout.Configuration.ConfigurationError("local.settings.json", null, "a JSON document with a \"Values\" object (" + error.Message + ")");
        }
        using var _ = document;
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (document.RootElement.TryGetProperty("Values", out var section))
            foreach (var setting in section.EnumerateObject())
                values[setting.Name] = setting.Value.ValueKind == JsonValueKind.String ? setting.Value.GetString() : setting.Value.GetRawText();
        return values;
    }
}
