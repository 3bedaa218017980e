using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace FunctionsSelfHost.Settings;

/// <summary>Adds the Functions app's setting files below the environment, as the Functions host layers them.</summary>
public static class AppSettingFiles
{
    /// <summary>
    /// Lowest first: the app's <paramref name="defaults"/> (settings its schedules refer to with %SETTING%), host.json,
    /// local.settings.json "Values" (local development only); everything already registered (environment variables,
    /// command line) keeps winning.
    /// </summary>
    public static void AddAppSettingFiles(this IConfigurationManager configuration, string directory, IReadOnlyDictionary<string, string?> defaults)
    {
        var sources = (IConfigurationBuilder)configuration;
        sources.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = defaults });
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
            throw new ConfigurationError("host.json", null, "a JSON document (" + (error.InnerException ?? error).Message + ")");
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
            throw new ConfigurationError("local.settings.json", null, "a JSON document with a \"Values\" object (" + error.Message + ")");
        }
        using var _ = document;
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (document.RootElement.TryGetProperty("Values", out var section))
            foreach (var setting in section.EnumerateObject())
                values[setting.Name] = setting.Value.ValueKind == JsonValueKind.String ? setting.Value.GetString() : setting.Value.GetRawText();
        return values;
    }
}
