using System.Diagnostics;
using System.Text;
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
    public static async Task<(int ExitCode, string Output)> RunAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Binary())
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"promtool {string.Join(' ', arguments)} did not finish within 2 min:\n{output}");
        }
        process.WaitForExit();
        lock (output) return (process.ExitCode, output.ToString());
    }
}
