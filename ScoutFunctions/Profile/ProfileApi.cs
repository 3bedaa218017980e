using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;

namespace Scout.Profile;

/// <summary>An answer of the API server other than the one asked for: its status code and the Status message it sent.</summary>
public sealed class KubernetesApiException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>One watch event: ADDED, MODIFIED, DELETED or BOOKMARK, the object, and its resourceVersion.</summary>
public readonly record struct WatchEvent(string Type, JsonElement Object, string? ResourceVersion);

/// <summary>
/// The reads Scout makes of the Kubernetes API for its ScoutProfile: the custom object (get, and a list filtered to its
/// name, for the resourceVersion a watch starts from), its watch, and the token Secret, as JSON over HTTP with what
/// KubernetesClient's configuration gives: the server, its CA (or insecure-skip-tls-verify), tls-server-name, the client
/// certificate (<see cref="CertUtils"/>), and the credentials (a token, a token file read again as it rotates, an exec
/// plugin run again when its token expires: <see cref="KubernetesClientConfiguration.TokenProvider"/>).
/// Not through the library's <c>Kubernetes</c> class: referencing it compiles every API group and model into the
/// native binary (measured: an AOT app of 1.3 MB and 3.4 MB RSS grows to 20.4 MB and 21.1 MB RSS with it, to 5.4 MB and
/// 6.4 MB with the configuration alone; Scout's idle RSS without a profile went from 36.4 to 55.2 MB, over its 40 MB
/// goal), and KubernetesClient.Aot has no watch of custom objects (its typed list with watch=true reads the first
/// event and closes the stream).
/// </summary>
public sealed class ProfileApi : IDisposable
{
    private readonly KubernetesClientConfiguration _configuration;
    private readonly HttpClient _http;

    public ProfileApi(KubernetesClientConfiguration configuration)
    {
        _configuration = configuration;
        var host = configuration.Host.EndsWith('/') ? configuration.Host : configuration.Host + "/";
        // No overall timeout: a watch stays open; each read has its caller's bound.
        _http = new HttpClient(Handler(configuration)) { BaseAddress = new Uri(host), Timeout = Timeout.InfiniteTimeSpan };
    }

    private static SocketsHttpHandler Handler(KubernetesClientConfiguration configuration)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var tls = handler.SslOptions;
        if (!string.IsNullOrEmpty(configuration.TlsServerName)) tls.TargetHost = configuration.TlsServerName;
        if (ClientCertificate(configuration) is { } certificate) tls.ClientCertificates = [certificate];
        if (configuration.SkipTlsVerify)
            tls.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        else if (configuration.SslCaCerts is { Count: > 0 } authorities)
            tls.RemoteCertificateValidationCallback = (_, certificate, _, errors) => IssuedBy(certificate, errors, authorities);
        return handler;
    }

    /// <summary>The kubeconfig's client certificate and key (inline data or files), or null.</summary>
    private static X509Certificate2? ClientCertificate(KubernetesClientConfiguration configuration)
    {
        static string? Pem(string? data, string? file) =>
            !string.IsNullOrEmpty(data) ? Encoding.UTF8.GetString(Convert.FromBase64String(data)) : !string.IsNullOrEmpty(file) ? File.ReadAllText(file) : null;
        var certificate = Pem(configuration.ClientCertificateData, configuration.ClientCertificateFilePath);
        var key = Pem(configuration.ClientCertificateKeyData, configuration.ClientKeyFilePath);
        return certificate is null || key is null ? null : X509Certificate2.CreateFromPem(certificate, key);
    }

    /// <summary>The server's certificate chains to one of the kubeconfig's CAs (and names the host: no other error).</summary>
    private static bool IssuedBy(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection authorities)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = new X509Certificate2(certificate);
        return chain.Build(server);
    }

    /// <summary>GET of one namespaced custom object; null when it does not exist.</summary>
    public async Task<JsonElement?> GetAsync(ProfileRef profile, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(profile.Path + "/" + Uri.EscapeDataString(profile.Name), HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        return await ReadAsync(response, cancellationToken);
    }

    /// <summary>The list of objects with the profile's name: the object if it exists, and the list's resourceVersion to watch from.</summary>
    public async Task<(JsonElement? Item, string ResourceVersion)> ListAsync(ProfileRef profile, CancellationToken cancellationToken)
    {
        using var response = await SendAsync($"{profile.Path}?fieldSelector={Uri.EscapeDataString(profile.FieldSelector)}",
            HttpCompletionOption.ResponseContentRead, cancellationToken);
        var body = await ReadAsync(response, cancellationToken);
        var item = body.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array && items.GetArrayLength() > 0
            ? items[0].Clone() : (JsonElement?)null;
        return (item, ResourceVersionOf(body) ?? "");
    }

    /// <summary>
    /// The watch from <paramref name="resourceVersion"/> with bookmarks, until the server ends it. An ERROR event
    /// (410 Gone: that version is too old) ends it with a <see cref="KubernetesApiException"/> of its code.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(ProfileRef profile, string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = $"watch=true&allowWatchBookmarks=true&fieldSelector={Uri.EscapeDataString(profile.FieldSelector)}&resourceVersion={Uri.EscapeDataString(resourceVersion)}";
        using var response = await SendAsync($"{profile.Path}?{query}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
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
            yield return new WatchEvent(type, resource, ResourceVersionOf(resource));
        }
    }

    /// <summary>GET of one Secret: its data by key, base64-decoded.</summary>
    public async Task<IDictionary<string, byte[]>> GetSecretDataAsync(string ns, string name, CancellationToken cancellationToken)
    {
        using var response = await SendAsync($"api/v1/namespaces/{Uri.EscapeDataString(ns)}/secrets/{Uri.EscapeDataString(name)}",
            HttpCompletionOption.ResponseContentRead, cancellationToken);
        var secret = await ReadAsync(response, cancellationToken);
        var data = new Dictionary<string, byte[]>();
        if (secret.TryGetProperty("data", out var values) && values.ValueKind == JsonValueKind.Object)
            foreach (var value in values.EnumerateObject())
                if (value.Value.ValueKind == JsonValueKind.String) data[value.Name] = value.Value.GetBytesFromBase64();
        return data;
    }

    /// <summary>One GET with the credentials as the configuration gives them now (a token provider refreshes its own).</summary>
    private async Task<HttpResponseMessage> SendAsync(string path, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Authorization = await AuthorizationAsync(cancellationToken);
        return await _http.SendAsync(request, completion, cancellationToken);
    }

    private async Task<AuthenticationHeaderValue?> AuthorizationAsync(CancellationToken cancellationToken)
    {
        if (_configuration.TokenProvider is { } provider) return await provider.GetAuthenticationHeaderAsync(cancellationToken);
        if (!string.IsNullOrEmpty(_configuration.AccessToken)) return new AuthenticationHeaderValue("Bearer", _configuration.AccessToken);
        if (!string.IsNullOrEmpty(_configuration.Username))
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_configuration.Username}:{_configuration.Password}")));
        return null;
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

    public static string? ResourceVersionOf(JsonElement resource) =>
        resource.ValueKind == JsonValueKind.Object && resource.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
        && metadata.TryGetProperty("resourceVersion", out var version) && version.ValueKind == JsonValueKind.String ? version.GetString() : null;

    private static string Message(JsonElement status) =>
        status.ValueKind == JsonValueKind.Object && status.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "";

    public void Dispose() => _http.Dispose();
}

/// <summary>The ScoutProfile custom object Scout reads: its API group, version, plural, namespace and name.</summary>
public sealed record ProfileRef(string Namespace, string Name)
{
    public string Group => ScoutProfileService.Group;
    public string Version => ScoutProfileService.Version;
    public string Plural => ScoutProfileService.Plural;
    public string FieldSelector => "metadata.name=" + Name;

    /// <summary>The collection's path, relative to the server.</summary>
    public string Path => $"apis/{Group}/{Version}/namespaces/{Uri.EscapeDataString(Namespace)}/{Plural}";
}
