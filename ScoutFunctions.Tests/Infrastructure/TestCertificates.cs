using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// A CA made for one test run, a server certificate and a client certificate it signed, and a second CA that
/// signed nothing, written as PEM files to a temporary folder (deleted on dispose). No openssl needed.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory, string serverName)
    {
        Directory = directory;
        ServerName = serverName;
    }

    /// <summary>The first name the server certificate carries.</summary>
    public string ServerName { get; }

    public string Directory { get; }

    public string CaFile => Path.Combine(Directory, "ca.crt");

    /// <summary>A CA that signed none of these certificates: trusting it alone must fail the handshake.</summary>
    public string OtherCaFile => Path.Combine(Directory, "other-ca.crt");

    public string ServerCertFile => Path.Combine(Directory, "server.crt");

    public string ServerKeyFile => Path.Combine(Directory, "server.key");

    public string ClientCertFile => Path.Combine(Directory, "client.crt");

    public string ClientKeyFile => Path.Combine(Directory, "client.key");

    /// <summary>The server certificate names only these (DNS names or IP addresses).</summary>
    public static TestCertificates Create(params string[] serverNames)
    {
        var certificates = new TestCertificates(System.IO.Directory.CreateTempSubdirectory("scout-tls-").FullName, serverNames[0]);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = SelfSignedCa("Scout test CA", caKey);
        File.WriteAllText(certificates.CaFile, ca.ExportCertificatePem());
        using (var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        using (var other = SelfSignedCa("Scout test CA", otherKey))
            File.WriteAllText(certificates.OtherCaFile, other.ExportCertificatePem());
        Issue(ca, "redis", serverNames, "1.3.6.1.5.5.7.3.1", certificates.ServerCertFile, certificates.ServerKeyFile);
        Issue(ca, "homerun2-scout", [], "1.3.6.1.5.5.7.3.2", certificates.ClientCertFile, certificates.ClientKeyFile);
        return certificates;
    }

    private static X509Certificate2 SelfSignedCa(string name, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        // Outlives what it issues: a certificate may not end after its issuer.
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(2));
    }

    private static void Issue(X509Certificate2 ca, string commonName, string[] names, string usage, string certFile, string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        if (names.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in names)
                if (System.Net.IPAddress.TryParse(name, out var address)) san.AddIpAddress(address);
                else san.AddDnsName(name);
            request.CertificateExtensions.Add(san.Build());
        }
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
