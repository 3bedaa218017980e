using Scout.Tests.Infrastructure;

namespace Scout.Tests.Monitoring;

/// <summary>Runs Debian's promtool (package prometheus), the checker Prometheus itself uses for rule files.</summary>
public static class Promtool
{
    public static string Binary() => ServerProcess.FindBinary(
        ServerProcess.OnPath("promtool").Append("/usr/bin/promtool"),
        "promtool is not installed: the monitoring tests need it. Install it with `apt-get install -y prometheus` " +
        "(Debian; the package ships promtool), or run `bash scripts/test.sh`, which installs it.");

    /// <summary>Runs promtool with these arguments in <paramref name="directory"/>; bounded, so a hang fails the test.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(string directory, params string[] arguments) =>
        BoundedProcess.RunAsync(Binary(), arguments, directory, TimeSpan.FromMinutes(2));
}
