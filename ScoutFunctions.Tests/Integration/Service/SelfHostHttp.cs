using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Scout.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Scout.Tests.Integration.Service;

/// <summary>
/// The self-host as a process (<see cref="ScoutProcess"/>) on a free loopback port with a bearer token and JSON logs,
/// and HTTP to it, every answer checked against the OpenAPI document. Disposing it stops the process and writes what
/// the process printed to the test's output.
/// </summary>
public sealed class SelfHostHttp : IAsyncDisposable
{
    private readonly string _token;
    private readonly ITestOutputHelper _output;

    private SelfHostHttp(ScoutProcess process, int port, string token, ITestOutputHelper output)
    {
        Process = process;
        _token = token;
        _output = output;
        Client = new HttpClient(new OpenApiConformanceHandler()) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public ScoutProcess Process { get; }

    public HttpClient Client { get; }

    /// <summary>Starts the self-host with <paramref name="environment"/> besides PORT, AUTH_TOKEN and LOG_FORMAT=json.</summary>
    public static SelfHostHttp Start(string token, ITestOutputHelper output, params (string Key, string Value)[] environment)
    {
        var port = FreePort.Next();
        return new SelfHostHttp(ScoutProcess.Start([("PORT", port.ToString()), ("AUTH_TOKEN", token), ("LOG_FORMAT", "json"), .. environment]),
            port, token, output);
    }

    /// <summary>A GET with the bearer token.</summary>
    public HttpRequestMessage Get(string path) =>
        new(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", _token) } };

    /// <summary>Waits until <paramref name="path"/> serves <paramref name="total"/> messages; the process must not exit meanwhile.</summary>
    public async Task<JsonElement> EventuallyServedAsync(string path, long total, int seconds = 30)
    {
        JsonElement summary = default;
        await Messages.EventuallyAsync(async () =>
        {
            Assert.False(Process.HasExited, "Scout exited");
            try
            {
                var answer = await Client.SendAsync(Get(path));
                if (answer.StatusCode != HttpStatusCode.OK) return false;
                summary = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
                return summary.GetProperty("totalMessages").GetInt64() == total;
            }
            catch (HttpRequestException)
            {
                return false; // not listening yet
            }
        }, $"{path} serves {total} messages", seconds);
        return summary;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Process.DisposeAsync();
        foreach (var line in Process.Output.Concat(Process.Error)) _output.WriteLine(line);
    }
}
