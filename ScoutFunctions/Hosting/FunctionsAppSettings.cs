using System.Text.Json;

namespace Scout.Hosting;

/// <summary>Adds the Functions app's setting files below the environment, as the Functions host layers them.</summary>
public static class FunctionsAppSettings
{
    /// <summary>Settings whose defaults schedules refer to with %SETTING%.</summary>
    private static readonly Dictionary<string, string?> Defaults = new() { ["SCOUT_INTERVAL"] = "60s" };

    /// <summary>
    /// Settings that, left unset or empty, mean another one's value: the self-host's reading of %SETTING% in a
    /// schedule. The Functions host has no such fallback, so under it these settings must be set (README, keda/functions-host).
    /// </summary>
    private static readonly Dictionary<string, string> Fallbacks = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ALERT_SCHEDULE"] = "SCOUT_INTERVAL",
        ["SCOUT_RETENTION_SCHEDULE"] = "SCOUT_INTERVAL",
    };

    /// <summary>A setting's value, or its fallback's when it is unset or empty; with the name of the setting the value came from.</summary>
    public static (string Name, string? Value) Resolve(IConfiguration settings, string name)
    {
        var value = settings[name];
        if (string.IsNullOrWhiteSpace(value) && Fallbacks.TryGetValue(name, out var fallback)) return (fallback, settings[fallback]);
        return (name, value);
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
