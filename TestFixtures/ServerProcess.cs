using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TestFixtures;

/// <summary>Starts a real server binary on a loopback port and waits until it accepts connections.</summary>
public static class ServerProcess
{
    public static async Task<Process> StartAsync(string binary, IEnumerable<string> arguments, int port, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        var name = Path.GetFileName(binary);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start");
        // Drained so a chatty server never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"{name} exited with code {process.ExitCode} on port {port}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return process;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"{name} did not listen on 127.0.0.1:{port} within {timeout.TotalSeconds:F0} s");
    }

    /// <summary>Kills the server, as a crash would.</summary>
    public static async Task StopAsync(Process? process)
    {
        if (process is null || process.HasExited) return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    /// <summary>The first existing file among the candidates, else a failure that says how to install it.</summary>
    public static string FindBinary(IEnumerable<string> candidates, string missingMessage) =>
        candidates.FirstOrDefault(File.Exists) ?? throw new InvalidOperationException(missingMessage);

    public static IEnumerable<string> OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, name));
}
