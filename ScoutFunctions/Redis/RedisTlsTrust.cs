using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Scout.Configuration;

namespace Scout.Redis;

/// <summary>
/// Checks Redis' server certificate against REDIS_TLS_CA_FILE (every CA in the file, by the framework's X509Chain)
/// or the system store, and keeps why the last one was refused: the client reports a refused handshake only as a
/// cancelled or failed connection, and an operator needs to read "certificate not trusted" instead.
/// </summary>
public sealed class RedisTlsTrust(IOptions<ScoutOptions> options)
{
    private readonly X509Certificate2Collection? _authorities = LoadAuthorities(options.Value.RedisTlsCaFile);
    private volatile string? _rejection;

    /// <summary>Why the last server certificate was refused; null once one is accepted.</summary>
    public string? Rejection => _rejection;

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        _rejection = Check(certificate, chain, errors);
        return _rejection is null;
    }

    /// <summary>
    /// Without a client certificate configured: presents none, and records when Redis asks for one (the handshake
    /// then fails on Redis' side, and the client may report only a cancelled connection).
    /// </summary>
    public X509Certificate? SelectNone(object sender, string targetHost, X509CertificateCollection local, X509Certificate? remote, string[] acceptableIssuers)
    {
        if (remote is not null)
            _rejection = RedisFailure.ClientCertificateRequired;
        return null;
    }

    private string? Check(X509Certificate? certificate, X509Chain? sent, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return "TLS: the server sent no certificate";
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            return "TLS: the server's certificate does not name the address (set REDIS_TLS_SERVER_NAME to the name it carries)";
        if (_authorities is null)
            return errors == SslPolicyErrors.None ? null : "TLS: the server's certificate is not trusted by the system store (set REDIS_TLS_CA_FILE)";
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        // A private CA rarely publishes revocation lists (Redis does not check them for its clients either).
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Intermediates the server sent along.
        if (sent is not null)
            foreach (var element in sent.ChainElements)
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        using var server = new X509Certificate2(certificate);
        return custom.Build(server)
            ? null
            : "TLS: the server's certificate is not issued by a CA in REDIS_TLS_CA_FILE ("
              + string.Join(", ", custom.ChainStatus.Select(s => s.Status).Distinct()) + ")";
    }

    private static X509Certificate2Collection? LoadAuthorities(string caFile)
    {
        if (caFile.Length == 0) return null;
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(caFile);
        return authorities;
    }
}
