using FunctionsSelfHost.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scout.Configuration;
using Scout.Redis;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Unit.Configuration;

/// <summary>REDIS_USERNAME and the TLS settings: what loads, what stops start-up with the one-line error, what the client gets.</summary>
public sealed class ScoutEnvironmentRedisTests : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create("redis.scout.test");

    public void Dispose() => _certificates.Dispose();

    private static ScoutOptions Load(params (string Key, string? Value)[] values) =>
        ScoutEnvironment.Load(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    private static ConfigurationError Refused(string variable, string value, string acceptedForm, params (string Key, string? Value)[] values)
    {
        var error = Assert.Throws<ConfigurationError>(() => Load(values));
        Assert.Equal(variable, error.Variable);
        Assert.Equal($"invalid configuration: {variable}=\"{value}\": expected {acceptedForm}", error.Message);
        return error;
    }

    [Fact]
    public void Mutual_tls_with_a_ca_a_server_name_and_a_user_loads_and_configures_the_client()
    {
        var o = Load(("REDIS_USERNAME", "scout"), ("REDIS_PASSWORD", "p"), ("REDIS_TLS", "true"), ("REDIS_TLS_CA_FILE", _certificates.CaFile),
            ("REDIS_TLS_CERT_FILE", _certificates.ClientCertFile), ("REDIS_TLS_KEY_FILE", _certificates.ClientKeyFile),
            ("REDIS_TLS_SERVER_NAME", "redis.scout.test"));

        Assert.Equal(("scout", true, _certificates.CaFile, _certificates.ClientCertFile, _certificates.ClientKeyFile, "redis.scout.test"),
            (o.RedisUsername, o.RedisTls, o.RedisTlsCaFile, o.RedisTlsCertFile, o.RedisTlsKeyFile, o.RedisTlsServerName));
        var client = RedisConnection.Configure(o, new RedisTlsTrust(Options.Create(o)));
        Assert.True(client.Ssl);
        Assert.Equal("redis.scout.test", client.SslHost);
        Assert.Equal("scout", client.User);
        Assert.Equal("p", client.Password);
    }

    [Fact]
    public void Without_tls_settings_the_client_connects_in_plain_text_as_before()
    {
        var o = Load();
        var client = RedisConnection.Configure(o, new RedisTlsTrust(Options.Create(o)));
        Assert.False(client.Ssl);
        Assert.Null(client.User);
        Assert.Null(client.Password);
        // Nothing the documented ACL leaves out: no configuration channel to subscribe to, no tie-breaker key.
        Assert.Equal("", client.ConfigurationChannel);
        Assert.Equal("", client.TieBreaker);
    }

    [Fact]
    public void A_user_name_without_a_password_is_refused()
    {
        var error = Assert.Throws<ConfigurationError>(() => Load(("REDIS_USERNAME", "scout")));
        Assert.Equal("REDIS_PASSWORD", error.Variable);
        Assert.Equal("invalid configuration: REDIS_PASSWORD=(hidden): expected the password of REDIS_USERNAME (set both, or neither for the default user)", error.Message);
    }

    [Fact]
    public void The_default_user_without_a_password_logs_in_as_no_user_at_all()
    {
        // What docs/DEPLOY.md tells a Redis without ACL users to put in the Secret, for KEDA's sake.
        var o = Load(("REDIS_USERNAME", "default"));
        Assert.Equal("", o.RedisUsername);
        var client = RedisConnection.Configure(o, new RedisTlsTrust(Options.Create(o)));
        Assert.Null(client.User);
        Assert.Null(client.Password);
        // With a password, "default" is a user name like any other.
        Assert.Equal("default", Load(("REDIS_USERNAME", "default"), ("REDIS_PASSWORD", "p")).RedisUsername);
    }

    [Theory]
    [InlineData("REDIS_TLS_CA_FILE", "true")]
    [InlineData("REDIS_TLS_CERT_FILE", "true")]
    [InlineData("REDIS_TLS_KEY_FILE", "true")]
    [InlineData("REDIS_TLS_KEY_FILE", "false")]
    public void Pem_text_instead_of_a_path_is_refused_without_echoing_it(string variable, string tls)
    {
        var pem = File.ReadAllText(_certificates.ClientKeyFile);
        var error = Assert.Throws<ConfigurationError>(() => Load(("REDIS_TLS", tls), (variable, pem)));
        Assert.Equal(variable, error.Variable);
        Assert.Equal($"invalid configuration: {variable}=(hidden): expected the path of a PEM file (mount the Secret as files), not the PEM text itself",
            error.Message);
        foreach (var line in pem.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("-----")))
            Assert.DoesNotContain(line.Trim(), error.Message);
    }

    [Fact]
    public void A_bad_tls_flag_is_refused()
    {
        Refused("REDIS_TLS", "yes", "true or false", ("REDIS_TLS", "yes"));
    }

    [Theory]
    [InlineData("REDIS_TLS_CA_FILE")]
    [InlineData("REDIS_TLS_CERT_FILE")]
    [InlineData("REDIS_TLS_KEY_FILE")]
    [InlineData("REDIS_TLS_SERVER_NAME")]
    public void A_tls_setting_without_tls_is_refused(string variable)
    {
        Refused(variable, "/etc/x", "empty unless REDIS_TLS is true", (variable, "/etc/x"));
        Refused(variable, "/etc/x", "empty unless REDIS_TLS is true", ("REDIS_TLS", "false"), (variable, "/etc/x"));
    }

    [Fact]
    public void A_certificate_without_its_key_and_a_key_without_its_certificate_are_refused()
    {
        Refused("REDIS_TLS_KEY_FILE", "", "the PEM key of REDIS_TLS_CERT_FILE (set both or neither)",
            ("REDIS_TLS", "true"), ("REDIS_TLS_CERT_FILE", _certificates.ClientCertFile));
        Refused("REDIS_TLS_CERT_FILE", "", "the PEM certificate of REDIS_TLS_KEY_FILE (set both or neither)",
            ("REDIS_TLS", "true"), ("REDIS_TLS_KEY_FILE", _certificates.ClientKeyFile));
    }

    [Fact]
    public void A_missing_or_non_pem_ca_file_is_refused()
    {
        var missing = Path.Combine(_certificates.Directory, "missing.crt");
        Refused("REDIS_TLS_CA_FILE", missing, "a readable PEM file with the CA certificate(s) to trust", ("REDIS_TLS", "true"), ("REDIS_TLS_CA_FILE", missing));
        // A key is PEM, but not a certificate.
        Refused("REDIS_TLS_CA_FILE", _certificates.ClientKeyFile, "a readable PEM file with the CA certificate(s) to trust",
            ("REDIS_TLS", "true"), ("REDIS_TLS_CA_FILE", _certificates.ClientKeyFile));
    }

    [Fact]
    public void Unreadable_client_files_are_refused_naming_the_file_that_is()
    {
        var missing = Path.Combine(_certificates.Directory, "missing.pem");
        Refused("REDIS_TLS_CERT_FILE", missing, "a readable PEM certificate file",
            ("REDIS_TLS", "true"), ("REDIS_TLS_CERT_FILE", missing), ("REDIS_TLS_KEY_FILE", _certificates.ClientKeyFile));
        Refused("REDIS_TLS_KEY_FILE", missing, "a readable PEM key file",
            ("REDIS_TLS", "true"), ("REDIS_TLS_CERT_FILE", _certificates.ClientCertFile), ("REDIS_TLS_KEY_FILE", missing));
    }

    [Fact]
    public void A_key_that_does_not_match_the_certificate_is_refused_and_its_content_never_appears()
    {
        var error = Refused("REDIS_TLS_KEY_FILE", _certificates.ServerKeyFile,
            "an unencrypted PEM private key (PKCS#8, RSA or EC) matching the PEM certificate in REDIS_TLS_CERT_FILE",
            ("REDIS_TLS", "true"), ("REDIS_TLS_CERT_FILE", _certificates.ClientCertFile), ("REDIS_TLS_KEY_FILE", _certificates.ServerKeyFile));
        foreach (var line in File.ReadAllLines(_certificates.ServerKeyFile).Where(l => !l.StartsWith("-----")))
            Assert.DoesNotContain(line, error.Message);
    }

    [Fact]
    public void A_server_name_that_is_no_host_name_is_refused()
    {
        Refused("REDIS_TLS_SERVER_NAME", "redis scout", "a DNS name or IP address", ("REDIS_TLS", "true"), ("REDIS_TLS_SERVER_NAME", "redis scout"));
    }
}
