using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FunctionsSelfHost.Settings;

namespace Scout.Configuration;

/// <summary>The Redis ACL user and TLS settings: checked at start-up, files included, so a wrong path fails there.</summary>
public static partial class ScoutEnvironment
{
    private const string TlsFlag = "REDIS_TLS";
    private const string DefaultUser = "default";
    private const string KeyFile = "REDIS_TLS_KEY_FILE";

    private static void BindRedisAccess(IConfiguration config, ScoutOptions o)
    {
        o.RedisUsername = Raw(config, "REDIS_USERNAME") ?? "";
        // "default" without a password is what a Redis without ACL users expects (KEDA's scaler needs the Secret key set
        // even then, see docs/DEPLOY.md): no AUTH at all, the same as an empty user name.
        if (o.RedisUsername == DefaultUser && string.IsNullOrEmpty(o.RedisPassword)) o.RedisUsername = "";
        // An ACL user logs in with a password (a nopass user accepts any): without one the client would silently log in
        // as the default user instead.
        if (o.RedisUsername.Length > 0 && string.IsNullOrEmpty(o.RedisPassword))
            throw new ConfigurationError("REDIS_PASSWORD", "", "the password of REDIS_USERNAME (set both, or neither for the default user)", secret: true);
        o.RedisTls = Bool(config, TlsFlag, o.RedisTls);
        o.RedisTlsCaFile = TlsOnly(config, o, "REDIS_TLS_CA_FILE");
        o.RedisTlsCertFile = TlsOnly(config, o, "REDIS_TLS_CERT_FILE");
        o.RedisTlsKeyFile = TlsOnly(config, o, KeyFile);
        o.RedisTlsServerName = TlsOnly(config, o, "REDIS_TLS_SERVER_NAME");

        if (o.RedisTlsServerName.Length > 0 && Uri.CheckHostName(o.RedisTlsServerName) == UriHostNameType.Unknown)
            throw new ConfigurationError("REDIS_TLS_SERVER_NAME", o.RedisTlsServerName, "a DNS name or IP address");
        if (o.RedisTlsCaFile.Length > 0) CheckCaFile(o.RedisTlsCaFile);
        switch (o.RedisTlsCertFile.Length > 0, o.RedisTlsKeyFile.Length > 0)
        {
            case (true, false):
                throw new ConfigurationError(KeyFile, "", "the PEM key of REDIS_TLS_CERT_FILE (set both or neither)");
            case (false, true):
                throw new ConfigurationError("REDIS_TLS_CERT_FILE", "", "the PEM certificate of REDIS_TLS_KEY_FILE (set both or neither)");
            case (true, true):
                CheckClientCertificate(o.RedisTlsCertFile, o.RedisTlsKeyFile);
                break;
        }
    }

    /// <summary>A TLS setting: refused unless REDIS_TLS is on, so a forgotten flag never silently sends plain text.</summary>
    private static string TlsOnly(IConfiguration config, ScoutOptions o, string name)
    {
        var raw = Raw(config, name);
        if (raw is null) return "";
        // A Secret's tls.key wired in as a variable instead of a mounted file must not be echoed into the log.
        if (raw.Contains("-----BEGIN", StringComparison.Ordinal))
            throw new ConfigurationError(name, raw, "the path of a PEM file (mount the Secret as files), not the PEM text itself", secret: true);
        if (!o.RedisTls) throw new ConfigurationError(name, raw, $"empty unless {TlsFlag} is true");
        return raw;
    }

    private static void CheckCaFile(string path)
    {
        const string accepted = "a readable PEM file with the CA certificate(s) to trust";
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ConfigurationError("REDIS_TLS_CA_FILE", path, accepted);
        }
        var count = certificates.Count;
        foreach (var certificate in certificates) certificate.Dispose();
        if (count == 0) throw new ConfigurationError("REDIS_TLS_CA_FILE", path, accepted);
    }

    // The key's content never reaches a message: only the variables' paths do.
    private static void CheckClientCertificate(string certPath, string keyPath)
    {
        string certPem, keyPem;
        try { certPem = File.ReadAllText(certPath); }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationError("REDIS_TLS_CERT_FILE", certPath, "a readable PEM certificate file");
        }
        try { keyPem = File.ReadAllText(keyPath); }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationError(KeyFile, keyPath, "a readable PEM key file");
        }
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (Exception error) when (error is CryptographicException or ArgumentException)
        {
            throw new ConfigurationError(KeyFile, keyPath,
                "an unencrypted PEM private key (PKCS#8, RSA or EC) matching the PEM certificate in REDIS_TLS_CERT_FILE");
        }
    }
}
