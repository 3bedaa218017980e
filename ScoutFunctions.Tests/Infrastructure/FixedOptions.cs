using Microsoft.Extensions.Options;
using Scout.Configuration;

namespace Scout.Tests.Infrastructure;

/// <summary>An options monitor that always returns the same <see cref="ScoutOptions"/> and never reports a change.</summary>
public sealed class FixedOptions(ScoutOptions value) : IOptionsMonitor<ScoutOptions>
{
    public ScoutOptions CurrentValue => value;
    public ScoutOptions Get(string? name) => value;
    public IDisposable? OnChange(Action<ScoutOptions, string?> listener) => null;
}
