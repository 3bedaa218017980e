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
/// The kubeconfig's current context as kubectl reads it (server, CA, token, token file, client certificate), the
/// service account in a pod, and TLS to the API server against a real HTTPS listener: trusted only through the given CA.
/// </summary>
public sealed class KubernetesConnectionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("scout-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Kubeconfig(string cluster, string user, string current = "scout")
    {
        var path = Path.Combine(_folder, "config");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            current-context: {current}
            contexts:
            - name: other
              context: {"{"}cluster: other, user: other{"}"}
            - name: scout
              context:
                cluster: main
                user: scout
            clusters:
            - name: other
              cluster: {"{"}server: "https://other.invalid:6443"{"}"}
            - name: main
              cluster:
            {cluster}
            users:
            - name: other
              user: {"{"}token: other-token{"}"}
            - name: scout
              user:
            {user}
            """);
        return path;
    }

    [Fact]
    public void The_current_context_names_the_server_and_the_token()
    {
        var connection = KubernetesConnection.FromKubeconfig(Kubeconfig("    server: https://10.0.0.1:6443", "    token: scout-token"));
        Assert.Equal(new Uri("https://10.0.0.1:6443/"), connection.Server);
        Assert.Equal("scout-token", connection.Token());
    }

    [Fact]
    public void A_token_file_relative_to_the_kubeconfig_is_read_again_for_each_request()
    {
        File.WriteAllText(Path.Combine(_folder, "token"), "first\n");
        var connection = KubernetesConnection.FromKubeconfig(Kubeconfig("    server: https://api.example:6443/", "    tokenFile: token"));
        Assert.Equal("first", connection.Token());
        File.WriteAllText(Path.Combine(_folder, "token"), "rotated");
        Assert.Equal("rotated", connection.Token());
    }

    [Theory]
    [InlineData("    exec:\n      command: aws\n      apiVersion: client.authentication.k8s.io/v1", "exec plugin")]
    [InlineData("    auth-provider:\n      name: gcp", "exec plugin or auth provider")]
    public void Users_that_need_a_plugin_are_refused_with_what_to_give_instead(string user, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => KubernetesConnection.FromKubeconfig(Kubeconfig("    server: https://a:1", user)));
        Assert.Contains(message, error.Message);
        Assert.Contains("token", error.Message);
    }

    [Theory]
    [InlineData("missing", "no context named missing")]
    [InlineData("other-missing", "no context named other-missing")]
    public void A_current_context_that_is_not_there_is_named(string current, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => KubernetesConnection.FromKubeconfig(Kubeconfig("    server: https://a:1", "    token: t", current)));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void In_a_pod_the_service_accounts_token_and_address_are_used()
    {
        File.WriteAllText(Path.Combine(_folder, "token"), "sa-token\n");
        var connection = KubernetesConnection.InCluster(_folder, "10.96.0.1", "443");
        Assert.Equal(new Uri("https://10.96.0.1/"), connection.Server);
        Assert.Equal("sa-token", connection.Token());
        Assert.Equal(new Uri("https://[fd00::1]:6443/"), KubernetesConnection.InCluster(_folder, "fd00::1", "6443").Server);
    }

    [Fact]
    public async Task Tls_trusts_the_kubeconfigs_ca_sends_its_client_certificate_and_refuses_another_ca()
    {
        using var certificates = TestCertificates.Create("localhost");
        await using var api = await HttpsEchoAsync(certificates);
        var cluster = $"    server: {api.Url}\n    certificate-authority: {certificates.CaFile}";
        var user = $"    client-certificate: {certificates.ClientCertFile}\n    client-key: {certificates.ClientKeyFile}";

        using (var client = KubernetesConnection.FromKubeconfig(Kubeconfig(cluster, user)).CreateHttpClient())
            Assert.Equal("client certificate CN=homerun2-scout", await client.GetStringAsync("echo"));

        var other = $"    server: {api.Url}\n    certificate-authority-data: {Convert.ToBase64String(File.ReadAllBytes(certificates.OtherCaFile))}";
        using (var client = KubernetesConnection.FromKubeconfig(Kubeconfig(other, user)).CreateHttpClient())
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync("echo"));

        using (var client = KubernetesConnection.FromKubeconfig(Kubeconfig(other + "\n    insecure-skip-tls-verify: true", user)).CreateHttpClient())
            Assert.Equal("client certificate CN=homerun2-scout", await client.GetStringAsync("echo"));
    }

    private sealed record HttpsEcho(WebApplication App, string Url) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }

    /// <summary>An HTTPS listener with the test CA's server certificate that answers with the client certificate it got.</summary>
    private static async Task<HttpsEcho> HttpsEchoAsync(TestCertificates certificates)
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
        app.MapGet("/echo", (HttpContext context) => "client certificate " + (context.Connection.ClientCertificate?.Subject ?? "none"));
        await app.StartAsync();
        return new HttpsEcho(app, $"https://localhost:{port}");
    }
}
