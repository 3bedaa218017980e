using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// A real Azurite blob service (npm package, installed by scripts/test.sh into test-tools/) on a free
/// loopback port, with its data in a temporary directory.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    // Azurite's documented development account: public, not a secret.
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _directory = Directory.CreateTempSubdirectory("scout-azurite-").FullName;
    private Process? _process;

    public int Port { get; private set; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevAccountKey};BlobEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    public async Task InitializeAsync() => await StartAsync(FreePort.Next());

    public async Task StartAsync(int port)
    {
        Port = port;
        var start = new ProcessStartInfo(FindBinary())
        {
            ArgumentList = { "--blobHost", "127.0.0.1", "--blobPort", port.ToString(), "--location", _directory, "--silent", "--skipApiVersionCheck", "--loose" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("azurite-blob did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"azurite-blob exited with code {_process.ExitCode} on port {port}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"azurite-blob did not listen on 127.0.0.1:{port} within 20 s");
    }

    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private static string FindBinary()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var local = Path.Combine(dir.FullName, "test-tools", "node_modules", ".bin", "azurite-blob");
            if (File.Exists(local)) return local;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var candidate = Path.Combine(dir, "azurite-blob");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException(
            "Azurite is not installed: the Blob timer store tests need it. Install it with " +
            "`npm ci --prefix test-tools` from the repository root (or `npm install -g azurite`), " +
            "or run `bash scripts/test.sh`, which installs it.");
    }
}
