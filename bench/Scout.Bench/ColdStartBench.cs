using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Scout.Bench;

/// <summary>
/// Process start to the first 200 from /health, for one build output, with the default settings against the bench's
/// redis-server; then the idle RSS (VmRSS) of the last run. A .dll starts as `dotnet app.dll`; anything else is an
/// apphost (the self-contained image publish) and starts by itself.
/// </summary>
public static class ColdStartBench
{
    public static async Task<int> RunAsync(string label, string entry, int redisPort, int runs)
    {
        var times = new List<double>();
        long rssKiB = 0, scrapedRssKiB = 0;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var run = 0; run < runs; run++)
        {
            var port = FreePort();
            var (fileName, arguments) = entry.EndsWith(".dll", StringComparison.Ordinal) ? ("dotnet", new[] { entry }) : (entry, []);
            var start = new ProcessStartInfo(fileName, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(entry))!,
                Environment =
                {
                    ["PORT"] = port.ToString(), ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}", ["REDIS_ADDR"] = "127.0.0.1", ["REDIS_PORT"] = redisPort.ToString(),
                    ["AUTH_TOKEN"] = "bench-token", ["SCOUT_INTERVAL"] = "1h", ["LOG_LEVEL"] = "warn",
                },
            };
            var watch = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{entry} did not start");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                while (true)
                {
                    if (process.HasExited) throw new InvalidOperationException($"{entry} exited with {process.ExitCode}");
                    if (watch.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"{entry}: no 200 from /health in 30 s");
                    try
                    {
                        using var response = await http.GetAsync($"http://127.0.0.1:{port}/health");
                        if (response.StatusCode == HttpStatusCode.OK) break;
                    }
                    catch (HttpRequestException)
                    {
                        // Not listening yet.
                    }
                    await Task.Delay(2);
                }
                times.Add(watch.Elapsed.TotalMilliseconds);
                if (run == runs - 1)
                {
                    // Idle after start-up: the start-up aggregation has run, nothing else is happening.
                    await Task.Delay(TimeSpan.FromSeconds(3));
                    rssKiB = VmRssKiB(process.Id);
                    // A pod is never left quite alone: the kubelet probes it and Prometheus scrapes it. Each first
                    // request touches code (and, for a ReadyToRun image, its file pages) that start-up did not.
                    foreach (var path in new[] { "/health/ready", "/metrics" })
                        using (await http.GetAsync($"http://127.0.0.1:{port}{path}")) { }
                    await Task.Delay(TimeSpan.FromSeconds(1));
                    scrapedRssKiB = VmRssKiB(process.Id);
                }
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        Table.Row("Cold start", $"{label}: start → first 200 /health (median of {runs})", Table.MedianMs(times), "< 500 ms");
        Table.Row("Cold start", $"{label}: idle RSS after start", $"{Table.F(rssKiB / 1024.0, "F1")} MB", "< 100 MB");
        Table.Row("Cold start", $"{label}: RSS after one /health/ready probe and one /metrics scrape", $"{Table.F(scrapedRssKiB / 1024.0, "F1")} MB", "");
        return 0;
    }

    private static long VmRssKiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
