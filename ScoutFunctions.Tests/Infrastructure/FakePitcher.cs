using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// A stand-in omni-pitcher: a real Kestrel listener on a free loopback port that records every request
/// (method, path, headers, body, arrival time) and answers from a script (status, Retry-After, or hang).
/// </summary>
public sealed class FakePitcher : IAsyncDisposable
{
    /// <summary>One scripted answer; <paramref name="Hang"/> never answers (until the client gives up or the fake stops).</summary>
    public sealed record Reply(int Status, TimeSpan? RetryAfter = null, bool Hang = false)
    {
        public static Reply Ok => new(200);

        public static Reply Hanging => new(0, Hang: true);
    }

    public sealed record Received(DateTimeOffset At, string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly List<Received> _requests = [];
    private readonly Queue<Reply> _script = new();
    private Reply _otherwise = Reply.Ok;

    private FakePitcher(WebApplication app) => _app = app;

    /// <summary>The service's base URL, e.g. http://127.0.0.1:41234 (no trailing slash).</summary>
    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<Received> Requests
    {
        get { lock (_gate) return _requests.ToList(); }
    }

    public static async Task<FakePitcher> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var pitcher = new FakePitcher(app);
        app.Run(pitcher.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        pitcher.BaseUrl = address.TrimEnd('/');
        return pitcher;
    }

    /// <summary>Answers the next requests with these replies, in order; afterwards with <paramref name="otherwise"/> (200 when null).</summary>
    public void Script(Reply? otherwise, params Reply[] replies)
    {
        lock (_gate)
        {
            _script.Clear();
            foreach (var reply in replies) _script.Enqueue(reply);
            _otherwise = otherwise ?? Reply.Ok;
        }
    }

    /// <summary>Answers every request the same way from now on.</summary>
    public void Always(Reply reply) => Script(reply);

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        Reply reply;
        lock (_gate)
        {
            _requests.Add(new Received(DateTimeOffset.UtcNow, context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body));
            reply = _script.TryDequeue(out var next) ? next : _otherwise;
        }

        if (reply.Hang)
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            try { await Task.Delay(Timeout.Infinite, either.Token); }
            catch (OperationCanceledException) { }
            context.Abort();
            return;
        }
        context.Response.StatusCode = reply.Status;
        if (reply.RetryAfter is { } after)
            context.Response.Headers.RetryAfter = ((int)after.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply.Status < 300 ? """{"status":"ok"}""" : $$"""{"error":"scripted {{reply.Status}}"}""");
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>A loopback URL where nothing listens: the pitcher is down.</summary>
    public static string Unreachable() => $"http://{IPAddress.Loopback}:{FreePort.Next()}";
}
