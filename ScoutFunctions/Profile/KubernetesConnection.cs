using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using YamlDotNet.RepresentationModel;

namespace Scout.Profile;

/// <summary>
/// Where the Kubernetes API is and how Scout authenticates to it: in a pod, its service account (the token file is read
/// again for each request, as the kubelet rotates it); elsewhere a kubeconfig's current context: the cluster's server and
/// CA, the user's token, token file or client certificate. Exec plugins and auth providers are refused with a message.
/// Written for Scout instead of KubernetesClient.Aot, which compiled 3.5 MB of API code and 19 MB of resident memory
/// into the native self-host for these few reads (docs/performance.md).
/// </summary>
public sealed class KubernetesConnection
{
    public const string ServiceAccount = "/var/run/secrets/kubernetes.io/serviceaccount";

    private readonly Func<string?> _token;
    private readonly X509Certificate2Collection? _authority;
    private readonly X509Certificate2? _clientCertificate;
    private readonly bool _skipTlsVerify;

    private KubernetesConnection(Uri server, Func<string?> token, X509Certificate2Collection? authority, X509Certificate2? clientCertificate, bool skipTlsVerify)
    {
        Server = server;
        _token = token;
        _authority = authority;
        _clientCertificate = clientCertificate;
        _skipTlsVerify = skipTlsVerify;
    }

    /// <summary>The API server, ending in a slash so relative paths resolve under it.</summary>
    public Uri Server { get; }

    /// <summary>The bearer token to send now, if any.</summary>
    public string? Token() => _token();

    /// <summary>In a pod: KUBERNETES_SERVICE_HOST and _PORT are set and the service account's token is mounted.</summary>
    public static bool IsInCluster() =>
        Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is { Length: > 0 }
        && Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT") is { Length: > 0 }
        && File.Exists(Path.Combine(ServiceAccount, "token"));

    public static KubernetesConnection InCluster() =>
        InCluster(ServiceAccount, Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST")!, Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT")!);

    /// <summary>The service account mounted at <paramref name="root"/>, for the API server at <paramref name="host"/>:<paramref name="port"/>.</summary>
    public static KubernetesConnection InCluster(string root, string host, string port)
    {
        var tokenFile = Path.Combine(root, "token");
        var ca = Path.Combine(root, "ca.crt");
        return new KubernetesConnection(Slash(new UriBuilder("https", host.Contains(':') ? $"[{host}]" : host, int.Parse(port)).Uri),
            () => File.ReadAllText(tokenFile).Trim(), File.Exists(ca) ? Authority(File.ReadAllText(ca)) : null, null, false);
    }

    /// <summary>The current context of the kubeconfig at <paramref name="path"/>; paths in it are relative to its folder.</summary>
    public static KubernetesConnection FromKubeconfig(string path)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path)) yaml.Load(reader);
        var root = (yaml.Documents.Count > 0 ? yaml.Documents[0].RootNode as YamlMappingNode : null)
            ?? throw new InvalidOperationException($"kubeconfig {path}: empty or not a mapping");
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var contextName = Text(root, "current-context") ?? throw new InvalidOperationException($"kubeconfig {path}: no current-context");
        var context = Named(root, "contexts", contextName, "context", path);
        var clusterName = Text(context, "cluster") ?? throw new InvalidOperationException($"kubeconfig {path}: context {contextName} names no cluster");
        var cluster = Named(root, "clusters", clusterName, "cluster", path);
        var userName = Text(context, "user");
        var user = userName is null ? null : Named(root, "users", userName, "user", path);

        var server = Text(cluster, "server") ?? throw new InvalidOperationException($"kubeconfig {path}: cluster {clusterName} has no server");
        // A PEM given inline (base64) or as a file beside the kubeconfig.
        string? Pem(YamlMappingNode? node, string dataKey, string fileKey) =>
            Text(node, dataKey) is { } data ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data))
            : Text(node, fileKey) is { } file ? File.ReadAllText(Path.Combine(folder, file))
            : null;
        var authority = Pem(cluster, "certificate-authority-data", "certificate-authority") is { } pem ? Authority(pem) : null;
        var skip = string.Equals(Text(cluster, "insecure-skip-tls-verify"), "true", StringComparison.OrdinalIgnoreCase);

        if (user is not null && (user.Children.ContainsKey("exec") || user.Children.ContainsKey("auth-provider")))
            throw new InvalidOperationException($"kubeconfig {path}: user {userName} authenticates through an exec plugin or auth provider, " +
                "which Scout does not run; give it a token, a tokenFile or a client certificate");
        var token = Text(user, "token");
        var tokenFile = Text(user, "tokenFile") is { } f ? Path.Combine(folder, f) : null;
        var certificate = Pem(user, "client-certificate-data", "client-certificate") is { } cert
            ? X509Certificate2.CreateFromPem(cert, Pem(user, "client-key-data", "client-key")
                ?? throw new InvalidOperationException($"kubeconfig {path}: user {userName} has a client certificate but no key"))
            : null;
        return new KubernetesConnection(Slash(new Uri(server)),
            () => token ?? (tokenFile is null ? null : File.ReadAllText(tokenFile).Trim()), authority, certificate, skip);
    }

    /// <summary>An HTTP client for the API server with this connection's TLS settings; no overall timeout (watches stay open).</summary>
    public HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (_clientCertificate is not null) handler.SslOptions.ClientCertificates = [_clientCertificate];
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusted(certificate as X509Certificate2, errors);
        return new HttpClient(handler) { BaseAddress = Server, Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The system's trust, or with a CA given, a chain to that CA only; the name must match either way.</summary>
    private bool Trusted(X509Certificate2? certificate, SslPolicyErrors errors)
    {
        if (_skipTlsVerify) return true;
        if (_authority is null) return errors == SslPolicyErrors.None;
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private static X509Certificate2Collection Authority(string pem)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(pem);
        return certificates;
    }

    private static Uri Slash(Uri server) => server.AbsoluteUri.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/");

    private static string? Text(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { } text } ? text : null;

    /// <summary>The <paramref name="inner"/> mapping of the entry of list <paramref name="list"/> with this name.</summary>
    private static YamlMappingNode Named(YamlMappingNode root, string list, string name, string inner, string path)
    {
        if (root.Children.TryGetValue(new YamlScalarNode(list), out var entries) && entries is YamlSequenceNode sequence)
            foreach (var entry in sequence.OfType<YamlMappingNode>())
                if (Text(entry, "name") == name && entry.Children.TryGetValue(new YamlScalarNode(inner), out var value) && value is YamlMappingNode mapping)
                    return mapping;
        throw new InvalidOperationException($"kubeconfig {path}: no {inner} named {name} in {list}");
    }
}
