using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration.Service;

/// <summary>HTTP to a self-host started as a process on a loopback port, with its bearer token; every answer checked against the OpenAPI document.</summary>
public sealed class SelfHostHttp(ScoutProcess scout, int port, string token) : IDisposable
{
    public HttpClient Client { get; } = new(new OpenApiConformanceHandler()) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>A GET with the bearer token.</summary>
    public HttpRequestMessage Get(string path) =>
        new(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };

    /// <summary>Waits until <paramref name="path"/> serves <paramref name="total"/> messages; the process must not exit meanwhile.</summary>
    public async Task<JsonElement> EventuallyServedAsync(string path, long total, int seconds = 30)
    {
        JsonElement summary = default;
        await Messages.EventuallyAsync(async () =>
        {
            Assert.False(scout.HasExited, "Scout exited");
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

    public void Dispose() => Client.Dispose();
}
