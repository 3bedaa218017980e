namespace FunctionsSelfHost.Settings;

/// <summary>An invalid setting: names the variable, the value (unless secret) and the accepted form.</summary>
public sealed class ConfigurationError(string variable, string? value, string acceptedForm, bool secret = false)
    : Exception($"invalid configuration: {variable}={(secret ? "(hidden)" : Quote(value))}: expected {acceptedForm}")
{
    public string Variable { get; } = variable;

    private static string Quote(string? value) => "\"" + (value ?? "") + "\"";
}
