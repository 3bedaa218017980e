using System.Diagnostics;
using StackExchange.Redis;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// A real redis-server that speaks only TLS (--port 0 --tls-port N) with certificates of <see cref="TestCertificates"/>,
/// optionally requiring client certificates (mutual TLS). Stopped on dispose; a failed start stops it too.
/// </summary>
public sealed class TlsRedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private TlsRedisServer(Process process, string directory, int port, ConnectionMultiplexer admin)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Admin = admin;
    }

    public int Port { get; }

    /// <summary>The test's own connection (default user with its password, client certificate), for setting up users and reading keys.</summary>
    public ConnectionMultiplexer Admin { get; }

    /// <summary>With <paramref name="redisStack"/>, loads RedisJSON and RediSearch (see <see cref="AclRedisStack.Modules"/>).</summary>
    public static async Task<TlsRedisServer> StartAsync(TestCertificates certificates, bool requireClientCertificates, bool redisStack = false)
    {
        var directory = Directory.CreateTempSubdirectory("scout-redis-tls-").FullName;
        var port = FreePort.Next();
        string[] modules = redisStack ? AclRedisStack.ModuleArguments() : [];
        var process = await ServerProcess.StartAsync(RedisServerFixture.FindBinary(),
            ["--port", "0", "--tls-port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory,
                "--tls-cert-file", certificates.ServerCertFile, "--tls-key-file", certificates.ServerKeyFile,
                "--tls-ca-cert-file", certificates.CaFile, "--tls-auth-clients", requireClientCertificates ? "yes" : "no",
                // As on a hardened server, the default user needs a password: a refused login never falls back to it.
                "--requirepass", AclRedisStack.AdminPassword, .. modules],
            port, TimeSpan.FromSeconds(10));
        try
        {
            var options = ConfigurationOptions.Parse($"127.0.0.1:{port},password={AclRedisStack.AdminPassword},abortConnect=false,allowAdmin=true");
            options.SslHost = certificates.ServerName;
            options.TrustIssuer(certificates.CaFile);
            options.SetUserPemCertificate(certificates.ClientCertFile, certificates.ClientKeyFile);
            var admin = await ConnectionMultiplexer.ConnectAsync(options);
            if (!admin.IsConnected) throw new InvalidOperationException($"the test could not connect to its own TLS redis-server on {port}");
            return new TlsRedisServer(process, directory, port, admin);
        }
        catch
        {
            await ServerProcess.StopAsync(process);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync();
        await ServerProcess.StopAsync(_process);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
