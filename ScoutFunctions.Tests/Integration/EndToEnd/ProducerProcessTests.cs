using System.Diagnostics;
using Scout.Tests.Contract;
using Scout.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Scout.Tests.Integration.EndToEnd;

/// <summary>
/// The sample producer as a newcomer runs it (dotnet run --project samples/Producer): on an empty engine it creates the
/// index (Redis 8 answers SEARCH_INDEX_NOT_FOUND), and it prints what it wrote at the end of --duration and on SIGTERM
/// (docker stop), not only on Ctrl+C. --help and a bad argument end before it connects; an unreachable Redis is one line
/// naming the address; it appends to the stream without a length cap, as the homerun2 producers do.
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

    [Fact]
    public async Task Help_lists_the_options_and_exits_0_without_connecting()
    {
        // Nothing listens there: a producer that connected would fail and exit 1.
        using var producer = Start(FreePort.Next(), "--help");
        using var stop = Stopping(producer);
        var (stdout, stderr) = await WaitForExitAsync(producer);
        Assert.Equal(0, producer.ExitCode);
        foreach (var option in new[] { "--rate", "--systems", "--duration", "--seed", "--backfill", "--backfill-span" })
            Assert.Contains(option, stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task A_bad_argument_is_the_parsers_error_and_a_nonzero_exit_without_connecting()
    {
        var port = FreePort.Next();
        using var producer = Start(port, "--rate", "fast");
        using var stop = Stopping(producer);
        var (_, stderr) = await WaitForExitAsync(producer);
        Assert.NotEqual(0, producer.ExitCode);
        Assert.Contains("'fast'", stderr);
        Assert.Contains("--rate", stderr);
        Assert.DoesNotContain($"127.0.0.1:{port}", stderr);
        Assert.DoesNotContain("Exception", stderr);
    }

    [Fact]
    public async Task An_unreachable_redis_is_one_line_naming_the_address_and_the_cause_and_exit_code_1()
    {
        var port = FreePort.Next();
        using var producer = Start(port, "--duration", "5s");
        using var stop = Stopping(producer);
        var (stdout, stderr) = await WaitForExitAsync(producer);
        Assert.Equal(1, producer.ExitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        // The address, then a cause after it ("Connection refused" here).
        Assert.Matches($@"127\.0\.0\.1:{port}: \S", line);
        Assert.DoesNotContain("Exception", line);
        Assert.Equal("", stdout);
    }

    [RedisStackModulesFact]
    public async Task It_appends_to_the_stream_without_a_length_cap()
    {
        await using var stack = await AclRedisStack.StartAsync();
        // More than the 10,000 entries (trimmed by whole nodes of 100) an approximate MAXLEN 10000 would keep.
        const int Written = 12_000;
        using var producer = Start(stack, "--backfill", Written.ToString(System.Globalization.CultureInfo.InvariantCulture), "--duration", "0s");
        using var stop = Stopping(producer);
        var (stdout, _) = await WaitForExitAsync(producer, TimeSpan.FromMinutes(3));
        Assert.Equal(0, producer.ExitCode);
        await AssertReportMatchesAsync(stack, stdout);
        Assert.Equal(Written, await stack.Database.StreamLengthAsync("messages"));
    }

    /// <summary>"wrote N messages: …" names exactly what the stream holds.</summary>
    private static async Task AssertReportMatchesAsync(OwnedRedisServer stack, string stdout)
    {
        var report = Assert.Single(stdout.Split('\n'), l => l.StartsWith("wrote ", StringComparison.Ordinal));
        var written = long.Parse(report.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(written > 0, report);
        Assert.Equal(written, await stack.Database.StreamLengthAsync("messages"));
    }

    private static Process Start(OwnedRedisServer stack, params string[] arguments) => Start(stack.Port, arguments);

    private static Process Start(int port, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Producer.dll"));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["REDIS_ADDR"] = "127.0.0.1";
        start.Environment["REDIS_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["REDIS_PASSWORD"] = AclRedisStack.AdminPassword;
        return Process.Start(start)!;
    }

    /// <summary>Waits for the producer to end by itself (60 s unless told) and writes what it printed to the test output.</summary>
    private async Task<(string Stdout, string Stderr)> WaitForExitAsync(Process producer, TimeSpan? bound = null)
    {
        // Read while it runs: a full pipe would block it.
        var (stdout, stderr) = (producer.StandardOutput.ReadToEndAsync(), producer.StandardError.ReadToEndAsync());
        var limit = bound ?? TimeSpan.FromSeconds(60);
        var ended = producer.WaitForExit(limit);
        // Its pipes close only when it ends.
        if (!ended) producer.Kill(entireProcessTree: true);
        output.WriteLine(await stdout + await stderr);
        Assert.True(ended, $"still running after {limit.TotalSeconds} s");
        return (await stdout, await stderr);
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
