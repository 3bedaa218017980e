using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Scout.Profile;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Unit.Profile;

/// <summary>
/// The kubeconfig as KubernetesClient loads it for Scout: the current context (or SCOUT_KUBE_CONTEXT), KUBECONFIG's
/// files merged as kubectl merges them, each mistake named with what to fix; and TLS to a real HTTPS listener, through
/// the client's CA and client certificate, for the reads and the watch alike.
/// </summary>
public sealed class KubernetesConfigTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("scout-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private const string Clusters = """
        clusters:
        - name: main
          cluster: {server: "http://127.0.0.1:6443"}
        - name: other
          cluster: {server: "http://127.0.0.2:6443"}
        users:
        - name: scout
          user: {token: scout-token}
        - name: other
          user: {token: other-token}
        """;

    private const string Contexts = """
        current-context: scout
        contexts:
        - name: scout
          context: {cluster: main, user: scout, namespace: homerun2}
        - name: other
          context: {cluster: other, user: other}
        """;

    private string OneFile() => Write("config", "apiVersion: v1\nkind: Config\n" + Clusters + "\n" + Contexts);

    [Fact]
    public void The_current_context_names_the_server_and_the_token()
    {
        var config = KubernetesConfig.Load(OneFile(), null);
        Assert.Equal("http://127.0.0.1:6443/", new Uri(config.Host).ToString());
        Assert.Equal("scout-token", config.AccessToken);
        Assert.Equal("homerun2", config.Namespace);
    }

    [Fact]
    public void SCOUT_KUBE_CONTEXT_picks_another_context()
    {
        var config = KubernetesConfig.Load(OneFile(), "other");
        Assert.Equal("http://127.0.0.2:6443/", new Uri(config.Host).ToString());
        Assert.Equal("other-token", config.AccessToken);
    }

    [Fact]
    public void KUBECONFIG_split_over_two_files_is_merged_as_kubectl_merges_it()
    {
        // Clusters and users in one file, contexts and the current context in the other; a missing third is skipped.
        var credentials = Write("clusters", "apiVersion: v1\nkind: Config\n" + Clusters);
        var contexts = Write("contexts", "apiVersion: v1\nkind: Config\n" + Contexts);
        var config = KubernetesConfig.Load(string.Join(':', contexts, Path.Combine(_folder, "missing"), credentials), null);
        Assert.Equal("http://127.0.0.1:6443/", new Uri(config.Host).ToString());
        Assert.Equal("scout-token", config.AccessToken);

        // The first file that sets a value wins: a later file's current-context does not replace it.
        var later = Write("later", "apiVersion: v1\nkind: Config\ncurrent-context: other\ncontexts: []\n");
        Assert.Equal("scout-token", KubernetesConfig.Load(string.Join(':', contexts, later, credentials), null).AccessToken);
    }

    [Fact]
    public void A_kubeconfig_that_does_not_parse_is_named()
    {
        var broken = Write("broken", "apiVersion: v1\nclusters: [ {name: main, cluster: {server: \n");
        var error = Assert.Throws<InvalidOperationException>(() => KubernetesConfig.Load(broken, null));
        Assert.StartsWith($"kubeconfig {broken} does not parse", error.Message);
    }

    [Fact]
    public void A_context_that_is_not_there_is_named_with_the_ones_that_are()
    {
        var error = Assert.Throws<InvalidOperationException>(() => KubernetesConfig.Load(OneFile(), "prod"));
        Assert.Contains("has no context 'prod' (it has: scout, other)", error.Message);
        Assert.Contains("SCOUT_KUBE_CONTEXT", error.Message);
    }

    [Fact]
    public void A_KUBECONFIG_without_any_file_is_named()
    {
        var missing = Path.Combine(_folder, "nope");
        var error = Assert.Throws<InvalidOperationException>(() => KubernetesConfig.Load(missing, null));
        Assert.Equal($"KUBECONFIG={missing}: no such file", error.Message);
    }

    [Fact]
    public async Task Tls_trusts_the_kubeconfigs_ca_and_sends_its_client_certificate_for_reads_and_the_watch()
    {
        using var certificates = TestCertificates.Create("localhost");
        await using var api = await HttpsApiAsync(certificates);
        var user = $"  user:\n    client-certificate: {certificates.ClientCertFile}\n    client-key: {certificates.ClientKeyFile}";
        var profile = new ProfileRef("ns", "p");

        using (var client = new ProfileApi(KubernetesConfig.Load(Kubeconfig(api.Url, $"certificate-authority: {certificates.CaFile}", user), null)))
        {
            var read = await client.GetAsync(profile, CancellationToken.None);
            Assert.Equal("CN=homerun2-scout", read!.Value.GetProperty("spec").GetProperty("clientCertificate").GetString());
            var events = new List<WatchEvent>();
            await foreach (var change in client.WatchAsync(profile, "5", CancellationToken.None)) events.Add(change);
            var watched = Assert.Single(events);
            Assert.Equal("CN=homerun2-scout", watched.Object.GetProperty("spec").GetProperty("clientCertificate").GetString());
            Assert.Equal("6", watched.ResourceVersion);
        }

        var otherCa = $"certificate-authority-data: {Convert.ToBase64String(File.ReadAllBytes(certificates.OtherCaFile))}";
        using (var client = new ProfileApi(KubernetesConfig.Load(Kubeconfig(api.Url, otherCa, user), null)))
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(profile, CancellationToken.None));
    }

    private string Kubeconfig(string server, string trust, string user) => Write("tls", $"""
        apiVersion: v1
        kind: Config
        current-context: tls
        clusters:
        - name: tls
          cluster:
            server: {server}
            {trust}
        users:
        - name: tls
        {user}
        contexts:
        - name: tls
          context: {"{"}cluster: tls, user: tls{"}"}
        """);

    private sealed record HttpsApi(WebApplication App, string Url) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }

    /// <summary>An HTTPS listener with the test CA's server certificate that puts the client certificate it got into the profile it serves.</summary>
    private static async Task<HttpsApi> HttpsApiAsync(TestCertificates certificates)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = X509Certificate2.CreateFromPemFile(certificates.ServerCertFile, certificates.ServerKeyFile),
            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
            ClientCertificateValidation = (_, _, _) => true,
        })));
        var app = builder.Build();
        static string Profile(HttpContext context, string version) =>
            $$$"""{"apiVersion":"homerun2.stuttgart-things.com/v1alpha1","kind":"ScoutProfile","metadata":{"name":"p","resourceVersion":"{{{version}}}"},"spec":{"clientCertificate":"{{{context.Connection.ClientCertificate?.Subject ?? "none"}}}"}}""";
        app.MapGet("/apis/homerun2.stuttgart-things.com/v1alpha1/namespaces/ns/scoutprofiles/p", (HttpContext context) => Results.Text(Profile(context, "5"), "application/json"));
        app.MapGet("/apis/homerun2.stuttgart-things.com/v1alpha1/namespaces/ns/scoutprofiles", (HttpContext context) =>
            Results.Text($$$"""{"type":"MODIFIED","object":{{{Profile(context, "6")}}}}""" + "\n", "application/json"));
        await app.StartAsync();
        return new HttpsApi(app, $"https://localhost:{port}");
    }
}
