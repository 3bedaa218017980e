using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Scout.Configuration;

namespace Scout.Alerting;

/// <summary>The message omni-pitcher accepts on /pitch, as the Go service sent it.</summary>
public sealed record PitchMessage(string Title, string Message, string Severity, string Author, string System, string Tags)
{
    public const string Sender = "homerun2-scout";

    public static PitchMessage From(TriggeredAlert alert) =>
        new(alert.Rule.Title, alert.Message, alert.Rule.Severity, Sender, Sender, alert.Rule.Tags);
}

public sealed record DeliveryResult(bool Delivered, string Detail);

/// <summary>
/// Posts meta-alerts to omni-pitcher through the "pitcher" HttpClient, whose standard resilience handler
/// retries 5xx, 408, 429 and transport errors with backoff and honours Retry-After.
/// </summary>
public sealed class PitcherClient(IHttpClientFactory clients, IOptionsMonitor<ScoutOptions> options)
{
    public const string ClientName = "pitcher";

    /// <summary>ALERT_PITCHER_URL may be the /pitch endpoint itself (as documented) or the service's base URL.</summary>
    public static Uri PitchEndpoint(string pitcherUrl)
    {
        var uri = new Uri(pitcherUrl);
        if (uri.AbsolutePath.TrimEnd('/').EndsWith("/pitch", StringComparison.Ordinal)) return uri;
        var builder = new UriBuilder(uri);
        builder.Path = builder.Path.TrimEnd('/') + "/pitch";
        return builder.Uri;
    }

    public async Task<DeliveryResult> SendAsync(PitchMessage message, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        using var request = new HttpRequestMessage(HttpMethod.Post, PitchEndpoint(o.PitcherUrl))
        {
            Content = JsonContent.Create(message, AlertingJson.Default.PitchMessage),
        };
        if (o.PitcherToken.Length > 0) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", o.PitcherToken);
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode
                ? new DeliveryResult(true, $"HTTP {(int)response.StatusCode}")
                : new DeliveryResult(false, $"HTTP {(int)response.StatusCode} {Describe(response.StatusCode)}");
        }
        // Any failure but our own shutdown is a failed delivery: transport errors, timeouts, an open circuit.
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new DeliveryResult(false, error.GetType().Name + ": " + error.Message);
        }
    }

    private static string Describe(HttpStatusCode status) => status switch
    {
        HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError => "(retries exhausted)",
        _ => "(not retried)",
    };
}
