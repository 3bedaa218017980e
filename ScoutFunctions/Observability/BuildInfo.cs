using System.Reflection;

namespace Scout.Observability;

/// <summary>Version, commit and build date stamped at build time (Dockerfile build args).</summary>
public sealed record BuildInfo(string Version, string Commit, string Date)
{
    public const string ServiceName = "homerun2-scout";

    public static BuildInfo FromAssembly()
    {
        var assembly = typeof(BuildInfo).Assembly;
        var metadata = assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value ?? "unknown");
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";
        // The SDK appends "+<source revision>"; the commit is reported on its own.
        var plus = version.IndexOf('+');
        return new BuildInfo(plus > 0 ? version[..plus] : version,
            metadata.GetValueOrDefault("ScoutCommit", "unknown"), metadata.GetValueOrDefault("ScoutBuildDate", "unknown"));
    }
}
