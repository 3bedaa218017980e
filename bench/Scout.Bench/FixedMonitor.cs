using Microsoft.Extensions.Options;
using Scout.Configuration;

namespace Scout.Bench;

/// <summary>Options that never change, for the Scout components a benchmark builds by hand.</summary>
internal sealed class FixedMonitor(ScoutOptions value) : IOptionsMonitor<ScoutOptions>
{
    public ScoutOptions CurrentValue => value;

    public ScoutOptions Get(string? name) => value;

    public IDisposable? OnChange(Action<ScoutOptions, string?> listener) => null;
}
