using System.Diagnostics;
using Scout.Tests.Contract;
using Scout.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Scout.Tests.Integration.EndToEnd;

/// <summary>
/// The sample producer as a newcomer runs it (dotnet run --project samples/Producer): on an empty engine it creates the
/// index (Redis 8 answers SEARCH_INDEX_NOT_FOUND), and it prints what it wrote at the end of --duration and on SIGTERM
/// (docker stop), not only on Ctrl+C.
/// </summary>
public sealed class ProducerProcessTests(ITestOutputHelper output)
{
    [RedisStackModulesFact]
    public async Task It_prints_its_report_at_the_end_of_its_duration()
    {
        await using var stack = await AclRedisStack.StartAsync();
        using var producer = Start(stack, "--rate", "50", "--duration", "2s", "--backfill", "20");
        using var stop = Stopping(producer);
        Assert.True(producer.WaitForExit(TimeSpan.FromSeconds(60)), "still running 60 s after a 2 s duration");
        var (stdout, stderr) = (await producer.StandardOutput.ReadToEndAsync(), await producer.StandardError.ReadToEndAsync());
        output.WriteLine(stdout + stderr);
        Assert.Equal(0, producer.ExitCode);
        await AssertReportMatchesAsync(stack, stdout);
    }

    [RedisStackModulesFact]
    public async Task It_prints_its_report_on_sigterm()
    {
        await using var stack = await AclRedisStack.StartAsync();
        using var producer = Start(stack, "--rate", "50");
        using var stop = Stopping(producer);
        var stderr = producer.StandardError.ReadToEndAsync();
        // Writing: the index exists and messages arrive.
        await Messages.EventuallyAsync(async () => await stack.Database.StreamLengthAsync("messages") > 10, "the producer writes", seconds: 60);
        Assert.Equal(0, Kill(producer.Id, SigTerm));
        Assert.True(producer.WaitForExit(TimeSpan.FromSeconds(30)), "still running 30 s after SIGTERM");
        var stdout = await producer.StandardOutput.ReadToEndAsync();
        output.WriteLine(stdout + await stderr);
        Assert.Equal(0, producer.ExitCode);
        await AssertReportMatchesAsync(stack, stdout);
    }

    /// <summary>"wrote N messages: …" names exactly what the stream holds.</summary>
    private static async Task AssertReportMatchesAsync(OwnedRedisServer stack, string stdout)
    {
        var report = Assert.Single(stdout.Split('\n'), l => l.StartsWith("wrote ", StringComparison.Ordinal));
        var written = long.Parse(report.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(written > 0, report);
        Assert.Equal(written, await stack.Database.StreamLengthAsync("messages"));
    }

    private static Process Start(OwnedRedisServer stack, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Producer.dll"));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["REDIS_ADDR"] = "127.0.0.1";
        start.Environment["REDIS_PORT"] = stack.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["REDIS_PASSWORD"] = AclRedisStack.AdminPassword;
        return Process.Start(start)!;
    }

    /// <summary>Kills the producer at the end of the test if it is still running, whatever failed.</summary>
    private static IDisposable Stopping(Process producer) => new Stopper(producer);

    private sealed class Stopper(Process producer) : IDisposable
    {
        public void Dispose()
        {
            if (!producer.HasExited) producer.Kill(entireProcessTree: true);
        }
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
