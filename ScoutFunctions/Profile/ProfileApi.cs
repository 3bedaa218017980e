using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Autorest;

namespace Scout.Profile;

/// <summary>An answer of the API server other than the one asked for: its status code and the Status message it sent.</summary>
public sealed class KubernetesApiException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>One watch event: ADDED, MODIFIED, DELETED or BOOKMARK, the object, and its resourceVersion.</summary>
public readonly record struct WatchEvent(string Type, JsonElement Object, string? ResourceVersion);

/// <summary>
/// The reads Scout makes of the Kubernetes API for its ScoutProfile, through KubernetesClient: the custom object (get,
/// and a list filtered to its name, for the resourceVersion a watch starts from), its watch, and the token Secret.
/// The watch: KubernetesClient.Aot has no Watcher, and its typed list with watch=true parses the first event and
/// closes the stream (measured on 21.0.8), so the watch request goes through the client's own handler chain (its TLS,
/// client certificate and proxy) with the client's own credentials (token, token file, exec plugin, refreshed as they
/// expire), and Scout reads the newline-delimited events itself.
/// </summary>
public sealed class ProfileApi : IDisposable
{
    private readonly Kubernetes _client;
    private readonly HttpMessageInvoker _watches;

    public ProfileApi(KubernetesClientConfiguration configuration)
    {
        var entry = new PipelineEntry();
        _client = new Kubernetes(configuration, entry);
        // The client set the entry's inner handler to its own chain: a watch sent here reaches the same server the same way.
        _watches = new HttpMessageInvoker(entry, disposeHandler: false);
    }

    /// <summary>GET of one namespaced custom object; null when it does not exist.</summary>
    public async Task<JsonElement?> GetAsync(ProfileRef profile, CancellationToken cancellationToken)
    {
        try
        {
            var found = await _client.CustomObjects.GetNamespacedCustomObjectAsync(profile.Group, profile.Version, profile.Namespace, profile.Plural,
                profile.Name, cancellationToken);
            return found is JsonElement element ? element : null;
        }
        catch (HttpOperationException error) when (error.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (HttpOperationException error)
        {
            throw Describe(error);
        }
    }

    /// <summary>The list of objects with the profile's name: the object if it exists, and the list's resourceVersion to watch from.</summary>
    public async Task<(JsonElement? Item, string ResourceVersion)> ListAsync(ProfileRef profile, CancellationToken cancellationToken)
    {
        try
        {
            var list = await _client.CustomObjects.ListNamespacedCustomObjectAsync(profile.Group, profile.Version, profile.Namespace, profile.Plural,
                fieldSelector: profile.FieldSelector, cancellationToken: cancellationToken);
            var body = list is JsonElement element ? element : throw new KubernetesApiException(HttpStatusCode.OK, "the list answer is not JSON");
            var item = body.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array && items.GetArrayLength() > 0
                ? items[0].Clone() : (JsonElement?)null;
            return (item, ResourceVersionOf(body) ?? "");
        }
        catch (HttpOperationException error)
        {
            throw Describe(error);
        }
    }

    /// <summary>
    /// The watch from <paramref name="resourceVersion"/> with bookmarks, until the server ends it. An ERROR event
    /// (410 Gone: that version is too old) ends it with a <see cref="KubernetesApiException"/> of its code.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(ProfileRef profile, string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = $"watch=true&allowWatchBookmarks=true&fieldSelector={Uri.EscapeDataString(profile.FieldSelector)}&resourceVersion={Uri.EscapeDataString(resourceVersion)}";
        var path = $"apis/{profile.Group}/{profile.Version}/namespaces/{Uri.EscapeDataString(profile.Namespace)}/{profile.Plural}?{query}";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseUri, path));
        request.Headers.Accept.ParseAdd("application/json");
        if (_client.Credentials is { } credentials) await credentials.ProcessHttpRequestAsync(request, cancellationToken);
        using var response = await _watches.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode) throw new KubernetesApiException(response.StatusCode, await StatusMessageAsync(response.Content, cancellationToken));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0) continue;
            using var document = JsonDocument.Parse(line);
            var type = document.RootElement.GetProperty("type").GetString() ?? "";
            var resource = document.RootElement.GetProperty("object").Clone();
            if (type == "ERROR")
                throw new KubernetesApiException((HttpStatusCode)(resource.TryGetProperty("code", out var code) && code.TryGetInt32(out var c) ? c : 500), Message(resource));
            yield return new WatchEvent(type, resource, ResourceVersionOf(resource));
        }
    }

    /// <summary>GET of one Secret: its data by key.</summary>
    public async Task<IDictionary<string, byte[]>> GetSecretDataAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            var secret = await _client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken);
            return secret.Data ?? new Dictionary<string, byte[]>();
        }
        catch (HttpOperationException error)
        {
            throw Describe(error);
        }
    }

    private Uri BaseUri => _client.BaseUri.AbsoluteUri.EndsWith('/') ? _client.BaseUri : new Uri(_client.BaseUri.AbsoluteUri + "/");

    public static string? ResourceVersionOf(JsonElement resource) =>
        resource.ValueKind == JsonValueKind.Object && resource.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
        && metadata.TryGetProperty("resourceVersion", out var version) && version.ValueKind == JsonValueKind.String ? version.GetString() : null;

    private static KubernetesApiException Describe(HttpOperationException error) =>
        new(error.Response.StatusCode, StatusMessage(error.Response.Content));

    private static async Task<string> StatusMessageAsync(HttpContent content, CancellationToken cancellationToken) =>
        StatusMessage(await content.ReadAsStringAsync(cancellationToken));

    private static string StatusMessage(string? body)
    {
        if (string.IsNullOrEmpty(body)) return "";
        try
        {
            using var status = JsonDocument.Parse(body);
            return Message(status.RootElement);
        }
        catch (JsonException)
        {
            return "";
        }
    }

    private static string Message(JsonElement status) =>
        status.ValueKind == JsonValueKind.Object && status.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "";

    public void Dispose()
    {
        _watches.Dispose();
        _client.Dispose();
    }

    /// <summary>The outermost handler of the client's chain: requests sent to it take the client's way to the server.</summary>
    private sealed class PipelineEntry : DelegatingHandler;
}

/// <summary>The ScoutProfile custom object Scout reads: its API group, version, plural, namespace and name.</summary>
public sealed record ProfileRef(string Namespace, string Name)
{
    public string Group => ScoutProfileService.Group;
    public string Version => ScoutProfileService.Version;
    public string Plural => ScoutProfileService.Plural;
    public string FieldSelector => "metadata.name=" + Name;
}
