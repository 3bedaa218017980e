using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// Debian's headless Chromium, driven over the DevTools protocol on a loopback port: open a page, wait for what its
/// script draws, read the DOM, take a screenshot. Every request to a host other than loopback fails (a proxy that
/// does not exist, no name resolution), so a page that loaded anything from elsewhere would show it.
/// </summary>
public sealed partial class HeadlessChromium : IAsyncDisposable
{
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CallBound = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket;
    private int _id;

    private HeadlessChromium(Process process, string profile, ClientWebSocket socket)
    {
        _process = process;
        _profile = profile;
        _socket = socket;
    }

    /// <summary>The chromium binary on PATH, or null.</summary>
    public static string? Binary { get; } = new[] { "chromium", "chromium-browser" }
        .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
        .FirstOrDefault(File.Exists);

    /// <summary>Why the browser tests cannot run here (the skip reason), or null when they can.</summary>
    public static string? Unavailable => Binary is null
        ? "chromium not found on PATH: install Debian's package (apt-get install -y chromium; scripts/test.sh does where it is missing)"
        : null;

    public static async Task<HeadlessChromium> StartAsync(int width = 1100, int height = 1000)
    {
        var profile = Directory.CreateTempSubdirectory("scout-chromium-").FullName;
        var start = new ProcessStartInfo(Binary ?? throw new InvalidOperationException(Unavailable))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                     "--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-default-apps", "--disable-domain-reliability", "--no-pings", "--disable-breakpad",
                     "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
                     // Loopback only: other hosts go to a proxy nobody listens on, and no name resolves.
                     "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                     "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                     $"--user-data-dir={profile}", $"--window-size={width},{height}", "about:blank",
                 })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var endpoint = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (log) log.AppendLine(e.Data);
            if (Listening().Match(e.Data) is { Success: true } match) endpoint.TrySetResult(new Uri(match.Groups[1].Value));
        };
        process.BeginErrorReadLine();
        try
        {
            var browser = await endpoint.Task.WaitAsync(StartBound);
            // The page target chromium opened (about:blank), found through the DevTools HTTP listing on the same port.
            using var http = new HttpClient { Timeout = CallBound };
            var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{browser.Port}/json/list"))!.AsArray();
            var page = targets.First(t => t!["type"]!.GetValue<string>() == "page")!["webSocketDebuggerUrl"]!.GetValue<string>();
            var socket = new ClientWebSocket();
            using var connect = new CancellationTokenSource(CallBound);
            await socket.ConnectAsync(new Uri(page), connect.Token);
            var chromium = new HeadlessChromium(process, profile, socket);
            await chromium.CallAsync("Page.enable");
            await chromium.CallAsync("Runtime.enable");
            return chromium;
        }
        catch (Exception error)
        {
            Stop(process, profile);
            string output;
            lock (log) output = log.ToString();
            throw new InvalidOperationException($"chromium did not start its DevTools listener: {error.Message}\n{output}", error);
        }
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex Listening();

    /// <summary>Sends one DevTools command and returns its result (events received meanwhile are dropped).</summary>
    public async Task<JsonNode> CallAsync(string method, JsonObject? parameters = null)
    {
        var id = ++_id;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        using var bound = new CancellationTokenSource(CallBound);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, bound.Token);
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var received = new MemoryStream();
            WebSocketReceiveResult part;
            do
            {
                part = await _socket.ReceiveAsync(buffer, bound.Token);
                received.Write(buffer, 0, part.Count);
            } while (!part.EndOfMessage);
            var reply = JsonNode.Parse(received.ToArray())!;
            if (reply["id"]?.GetValue<int>() != id) continue;
            if (reply["error"] is { } error) throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
            return reply["result"]!;
        }
    }

    public Task NavigateAsync(Uri url) => CallAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() });

    /// <summary>The value of a JavaScript expression in the page (awaited when it is a promise), as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await CallAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["returnByValue"] = true,
            ["awaitPromise"] = true,
        });
        if (result["exceptionDetails"] is { } exception) throw new InvalidOperationException($"{expression}: {exception.ToJsonString()}");
        return result["result"]!["value"];
    }

    /// <summary>Polls the expression until it is true; fails with what the page shows after the bound.</summary>
    public async Task WaitForAsync(string expression, string because, int seconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            try
            {
                if ((await EvaluateAsync($"!!({expression})"))?.GetValue<bool>() == true) return;
            }
            catch (InvalidOperationException)
            {
                // The page is still loading (its elements not there yet): asked again below.
            }
            await Task.Delay(200);
        }
        var text = await EvaluateAsync("document.body ? document.body.innerText : ''");
        Assert.Fail($"{because}: not within {seconds} s. The page shows:\n{text}");
    }

    /// <summary>The viewport's size and color scheme (a phone in dark mode, say) for what follows.</summary>
    public async Task EmulateAsync(int width, int height, bool mobile, string colorScheme)
    {
        await CallAsync("Emulation.setDeviceMetricsOverride", new JsonObject
        {
            ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = mobile ? 2 : 1, ["mobile"] = mobile,
        });
        await CallAsync("Emulation.setEmulatedMedia", new JsonObject
        {
            ["features"] = new JsonArray(new JsonObject { ["name"] = "prefers-color-scheme", ["value"] = colorScheme }),
        });
    }

    /// <summary>A PNG of the whole page, written to <paramref name="path"/>.</summary>
    public async Task ScreenshotAsync(string path)
    {
        var shot = await CallAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot["data"]!.GetValue<string>()));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, bound.Token);
            }
        }
        catch (Exception)
        {
            // Closing is best effort: the process is stopped next either way.
        }
        _socket.Dispose();
        Stop(_process, _profile);
    }

    private static void Stop(Process process, string profile)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        process.Dispose();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // A helper process may still hold a file for a moment; the temp folder is cleaned later.
        }
    }
}

/// <summary>A test that needs headless Chromium: reported as skipped, with how to get it, when chromium is not on PATH.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute() => Skip = HeadlessChromium.Unavailable;
}
