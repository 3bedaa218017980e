using System.Diagnostics;

namespace Scout.Tests.Deployment;

/// <summary>bench/run.sh --help prints its usage and exits at once, instead of starting the whole benchmark.</summary>
public sealed class BenchScriptTests
{
    [Fact]
    public async Task Help_prints_the_usage_and_exits_0_without_running_anything()
    {
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { "bench/run.sh", "--help" },
            WorkingDirectory = RepositoryFiles.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("bench/run.sh --help did not exit within 10 s: it started the benchmark");
        }
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("usage: bash bench/run.sh", await output);
        Assert.DoesNotContain("[bench]", await error);
    }
}
