namespace Scout.Profile;

/// <summary>
/// The active ScoutProfile as the highest-priority configuration source: its values override the
/// environment's, and replacing them reloads every IOptionsMonitor and %SETTING% schedule.
/// </summary>
public sealed class ProfileConfigurationProvider : ConfigurationProvider
{
    public void Replace(IReadOnlyDictionary<string, string> values)
    {
        Data = new Dictionary<string, string?>(values.ToDictionary(kv => kv.Key, kv => (string?)kv.Value), StringComparer.OrdinalIgnoreCase);
        OnReload();
    }
}

public sealed class ProfileConfigurationSource(ProfileConfigurationProvider provider) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => provider;
}
