using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Scout.Profile;

/// <summary>An answer of the API server other than the one asked for: its status code, and the Status message it sent.</summary>
public sealed class KubernetesApiException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>
/// The three reads Scout makes of the Kubernetes API (one custom object, a watch of it, one Secret), as plain HTTP
/// with JSON read by JsonDocument, so native AOT compiles them; where the server is and how to authenticate come from
/// <see cref="KubernetesConnection"/>.
/// </summary>
public sealed class KubernetesApi : IDisposable
{
    private readonly KubernetesConnection _connection;
    private readonly HttpClient _http;

    public KubernetesApi(KubernetesConnection connection)
    {
        _connection = connection;
        _http = connection.CreateHttpClient();
    }

    /// <summary>GET of one namespaced custom object; null when it does not exist.</summary>
    public async Task<JsonElement?> GetCustomObjectAsync(string group, string version, string ns, string plural, string name, CancellationToken cancellationToken)
    {
        using var response = await SendAsync($"apis/{group}/{version}/namespaces/{Escape(ns)}/{plural}/{Escape(name)}", HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        return await ReadAsync(response, cancellationToken);
    }

    /// <summary>GET of one Secret: its data, base64-decoded by key.</summary>
    public async Task<IReadOnlyDictionary<string, byte[]>> GetSecretDataAsync(string ns, string name, CancellationToken cancellationToken)
    {
        using var response = await SendAsync($"api/v1/namespaces/{Escape(ns)}/secrets/{Escape(name)}", HttpCompletionOption.ResponseContentRead, cancellationToken);
        var secret = await ReadAsync(response, cancellationToken);
        var data = new Dictionary<string, byte[]>();
        if (secret.TryGetProperty("data", out var values) && values.ValueKind == JsonValueKind.Object)
            foreach (var value in values.EnumerateObject())
                if (value.Value.ValueKind == JsonValueKind.String) data[value.Name] = value.Value.GetBytesFromBase64();
        return data;
    }

    /// <summary>
    /// A watch of the custom objects with this name: each event's type (ADDED, MODIFIED, DELETED, BOOKMARK) and object,
    /// until the server ends the stream. An ERROR event (say, 410 Gone) ends it with an exception.
    /// </summary>
    public async IAsyncEnumerable<(string Type, JsonElement Object)> WatchCustomObjectAsync(string group, string version, string ns, string plural,
        string name, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = $"apis/{group}/{version}/namespaces/{Escape(ns)}/{plural}?watch=true&fieldSelector={Escape("metadata.name=" + name)}";
        using var response = await SendAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0) continue;
            using var document = JsonDocument.Parse(line);
            var type = document.RootElement.GetProperty("type").GetString() ?? "";
            var resource = document.RootElement.GetProperty("object").Clone();
            if (type == "ERROR")
                throw new KubernetesApiException((HttpStatusCode)(resource.TryGetProperty("code", out var code) && code.TryGetInt32(out var c) ? c : 500), Message(resource));
            yield return (type, resource);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string path, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("application/json");
        if (_connection.Token() is { Length: > 0 } token) request.Headers.Authorization = new("Bearer", token);
        return await _http.SendAsync(request, completion, cancellationToken);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, cancellationToken);
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return document.RootElement.Clone();
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string message;
        try
        {
            using var status = JsonDocument.Parse(body);
            message = Message(status.RootElement);
        }
        catch (JsonException)
        {
            message = "";
        }
        throw new KubernetesApiException(response.StatusCode, message);
    }

    private static string Message(JsonElement status) =>
        status.ValueKind == JsonValueKind.Object && status.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "";

    private static string Escape(string value) => Uri.EscapeDataString(value);

    public void Dispose() => _http.Dispose();
}
