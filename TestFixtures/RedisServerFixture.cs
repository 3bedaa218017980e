using System.Diagnostics;
using StackExchange.Redis;

namespace TestFixtures;

/// <summary>
/// A real redis-server on a free loopback port, started for a test class and stopped after it.
/// No persistence unless <see cref="Persistent"/>; either way nothing is written outside its temporary directory.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private Process? _process;
    private readonly string _directory = Directory.CreateTempSubdirectory("scout-redis-").FullName;

    public int Port { get; private set; }

    /// <summary>An append-only file synced on every write, so a killed and restarted server keeps its keys and their expiries.</summary>
    public bool Persistent { get; init; }

    public ConnectionMultiplexer Connection { get; private set; } = null!;

    public IDatabase Database => Connection.GetDatabase();

    public async Task InitializeAsync()
    {
        await StartAsync(FreePort.Next());
        Connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},allowAdmin=true,abortConnect=false");
    }

    /// <summary>
    /// Starts the server (again) on the given port: fault tests stop and restart it. A server still running on that
    /// port is kept: starting a second one would find the port taken and exit, and the first would be left behind
    /// when the fixture only knew the second (a test's restart followed by its finally's restart did that).
    /// </summary>
    public async Task StartAsync(int port)
    {
        if (_process is { HasExited: false })
        {
            if (port == Port) return;
            await StopAsync();
        }
        Port = port;
        _process = await ServerProcess.StartAsync(FindBinary(),
            ["--port", port.ToString(), .. Isolated(_directory, Persistent), "--appendfsync", "always",
                // DEBUG SLEEP lets fault tests make Redis slow rather than gone.
                "--enable-debug-command", "local"], port, TimeSpan.FromSeconds(10));
    }

    /// <summary>Loopback only, and nothing written outside <paramref name="directory"/> (an append-only file only if persistent).</summary>
    public static string[] Isolated(string directory, bool persistent) =>
        ["--bind", "127.0.0.1", "--save", "", "--dir", directory, "--appendonly", persistent ? "yes" : "no"];

    /// <summary>Kills the server (no shutdown save), as a crash would.</summary>
    public Task StopAsync() => ServerProcess.StopAsync(_process);

    /// <summary>Freezes the server (SIGSTOP): its sockets stay open and accept bytes, and nothing answers, as a hung host would.</summary>
    public void Freeze() => Signal(SigStop);

    /// <summary>Lets a frozen server run again (SIGCONT); it then answers everything sent meanwhile.</summary>
    public void Thaw() => Signal(SigCont);

    private const int SigStop = 19, SigCont = 18; // Linux x86-64 and arm64

    private void Signal(int signal)
    {
        if (_process is not { HasExited: false } process) throw new InvalidOperationException("the redis-server is not running");
        if (Kill(process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public async Task FlushAsync() => await Database.ExecuteAsync("FLUSHALL");

    public async Task DisposeAsync()
    {
        if (Connection is not null) await Connection.DisposeAsync();
        await StopAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    /// <summary>Debian's redis-server first (a Redis 8 in /usr/local/bin comes first on PATH, and is the engine tests' choice), else PATH's.</summary>
    public static string FindBinary() => ServerProcess.FindBinary(
        ServerProcess.OnPath("redis-server").Prepend("/usr/bin/redis-server"),
        "redis-server is not installed: the integration tests need it. Install it with " +
        "`apt-get install -y redis-server` (Debian), or run `bash scripts/test.sh`, which installs it.");
}
