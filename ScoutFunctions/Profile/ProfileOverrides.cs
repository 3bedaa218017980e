using System.Globalization;
using System.Text.Json;
using FunctionsSelfHost.Settings;
using Scout.Configuration;

namespace Scout.Profile;

/// <summary>
/// Maps a ScoutProfile spec to the environment variables it overrides. Absent fields change nothing;
/// each present field is validated with the same rules as the environment and ignored, with a warning
/// naming it, when invalid — the rest of the profile still applies.
/// </summary>
public static class ProfileOverrides
{
    private static readonly (string Path, string Variable)[] Fields =
    [
        ("scoutInterval", "SCOUT_INTERVAL"),
        ("windows", "SCOUT_WINDOWS"),
        ("retention.enabled", "SCOUT_RETENTION_ENABLED"),
        ("retention.ttl", "SCOUT_RETENTION_TTL"),
        ("alerting.pitcherURL", "ALERT_PITCHER_URL"),
        ("alerting.pitcherToken", "ALERT_PITCHER_TOKEN"),
        ("alerting.errorThreshold", "ALERT_ERROR_THRESHOLD"),
        ("alerting.criticalThreshold", "ALERT_CRITICAL_THRESHOLD"),
        ("alerting.cooldown", "ALERT_COOLDOWN"),
        ("alerting.window", "ALERT_WINDOW"),
    ];

    public static readonly HashSet<string> SecretVariables = ["ALERT_PITCHER_TOKEN"];

    public sealed record Result(Dictionary<string, string> Values, List<string> Warnings, SecretReference? PitcherTokenSecret);

    public sealed record SecretReference(string Name, string Key);

    public static Result FromSpec(JsonElement spec)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var warnings = new List<string>();
        foreach (var (path, variable) in Fields)
        {
            if (!TryGet(spec, path, out var element)) continue;
            var text = Scalar(element);
            if (text is null)
            {
                warnings.Add($"spec.{path}: expected a string, number or boolean; ignored");
                continue;
            }
            // Empty strings mean "not set", as in the Go service's merge.
            if (text.Length == 0) continue;
            var error = Validate(variable, text);
            if (error is null) values[variable] = text;
            else warnings.Add($"spec.{path}: {error}; ignored");
        }

        SecretReference? secret = null;
        if (TryGet(spec, "alerting.pitcherTokenSecretRef", out var reference))
        {
            if (reference.ValueKind == JsonValueKind.Object
                && reference.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && name.GetString()!.Length > 0
                && reference.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String && key.GetString()!.Length > 0)
                secret = new SecretReference(name.GetString()!, key.GetString()!);
            else
                warnings.Add("spec.alerting.pitcherTokenSecretRef: expected {name, key} with non-empty strings; ignored");
        }
        return new Result(values, warnings, secret);
    }

    /// <summary>The environment's own validation, applied to one value.</summary>
    private static string? Validate(string variable, string value)
    {
        try
        {
            ScoutEnvironment.Load(new ConfigurationBuilder().AddInMemoryCollection([new(variable, value)]).Build());
            return null;
        }
        catch (ConfigurationError error)
        {
            return SecretVariables.Contains(variable) ? "invalid value" : error.Message.Replace("invalid configuration: ", "");
        }
    }

    private static bool TryGet(JsonElement spec, string path, out JsonElement element)
    {
        element = spec;
        foreach (var part in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element)) return false;
        }
        return element.ValueKind != JsonValueKind.Null;
    }

    private static string? Scalar(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString()!.Trim(),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    /// <summary>The effective value of every variable a profile can set, to log what a change did.</summary>
    public static Dictionary<string, string?> Effective(IConfiguration configuration) =>
        Fields.ToDictionary(f => f.Variable, f => configuration[f.Variable], StringComparer.OrdinalIgnoreCase);

    /// <summary>"VARIABLE: old → new" for every effective value that changed, secrets masked.</summary>
    public static IEnumerable<string> Describe(IReadOnlyDictionary<string, string?> before, IReadOnlyDictionary<string, string?> after)
    {
        foreach (var (variable, now) in after)
        {
            var old = before.GetValueOrDefault(variable);
            if (old == now) continue;
            yield return SecretVariables.Contains(variable)
                ? $"{variable}: (secret changed)"
                : string.Create(CultureInfo.InvariantCulture, $"{variable}: {Loggable(old) ?? "(default)"} → {Loggable(now) ?? "(default)"}");
        }
    }

    /// <summary>A URL's user:password part is a secret too: logged as "***".</summary>
    private static string? Loggable(string? value) =>
        value is not null && Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? value.Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal)
            : value;
}
