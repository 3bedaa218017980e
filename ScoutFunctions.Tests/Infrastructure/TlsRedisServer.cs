using StackExchange.Redis;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// A real redis-server that speaks only TLS (--port 0 --tls-port N) with certificates of <see cref="TestCertificates"/>,
/// optionally requiring client certificates (mutual TLS). As on a hardened server, the default user has a password,
/// so a refused login never falls back to it. The test connects with the CA, its client certificate and that password.
/// </summary>
public static class TlsRedisServer
{
    /// <summary>With <paramref name="redisStack"/>, loads RedisJSON and RediSearch (see <see cref="AclRedisStack.ModuleArguments"/>).</summary>
    public static Task<OwnedRedisServer> StartAsync(TestCertificates certificates, bool requireClientCertificates, bool redisStack = false) =>
        OwnedRedisServer.StartAsync(
            port => ["--port", "0", "--tls-port", port.ToString(),
                "--tls-cert-file", certificates.ServerCertFile, "--tls-key-file", certificates.ServerKeyFile,
                "--tls-ca-cert-file", certificates.CaFile, "--tls-auth-clients", requireClientCertificates ? "yes" : "no",
                "--requirepass", AclRedisStack.AdminPassword, .. redisStack ? AclRedisStack.ModuleArguments() : []],
            port =>
            {
                var options = ConfigurationOptions.Parse($"127.0.0.1:{port},password={AclRedisStack.AdminPassword},abortConnect=false,allowAdmin=true");
                options.SslHost = certificates.ServerName;
                options.TrustIssuer(certificates.CaFile);
                options.SetUserPemCertificate(certificates.ClientCertFile, certificates.ClientKeyFile);
                return options;
            },
            binary: redisStack ? AclRedisStack.Engine.Server : null);
}
