namespace Scout.Configuration;

/// <summary>Scout's runtime settings, named after the Go service's environment variables.</summary>
public sealed class ScoutOptions
{
    public int Port { get; set; } = 8080;
    public string RedisAddr { get; set; } = "localhost";
    public int RedisPort { get; set; } = 6379;
    public string RedisPassword { get; set; } = "";

    /// <summary>The Redis ACL user (REDIS_USERNAME); empty authenticates as the default user, as before.</summary>
    public string RedisUsername { get; set; } = "";

    /// <summary>TLS to Redis; the files below are read only when it is on (start-up refuses them otherwise).</summary>
    public bool RedisTls { get; set; }

    /// <summary>PEM file of the CA certificate(s) to trust for Redis; empty trusts the system store.</summary>
    public string RedisTlsCaFile { get; set; } = "";

    /// <summary>PEM client certificate and its unencrypted PEM key, for mutual TLS (both or neither).</summary>
    public string RedisTlsCertFile { get; set; } = "";

    public string RedisTlsKeyFile { get; set; } = "";

    /// <summary>The name the server's certificate must carry when it is not REDIS_ADDR (also sent as SNI).</summary>
    public string RedisTlsServerName { get; set; } = "";
    public string Index { get; set; } = "messages";

    /// <summary>
    /// SCOUT_OWN_INDEX, no longer used: Scout counts from the stream. Still parsed, so an invalid value stops start-up as
    /// before and true logs that it is ignored.
    /// </summary>
    public bool OwnIndex { get; set; }

    /// <summary>The index an earlier Scout kept of its own over the producer's documents; dropped when left (RediSearch index names are not keys).</summary>
    public string OwnIndexName => "scout_" + Index;
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(60);
    public string IntervalText { get; set; } = "60s";
    public string ProfileName { get; set; } = "";
    public bool ProfileWatch { get; set; } = true;
    public TimeSpan RetentionTtl { get; set; } = TimeSpan.FromHours(48);
    public bool RetentionEnabled { get; set; } = true;
    public bool RetentionApproximate { get; set; }
    public int RetentionMaxDeletes { get; set; } = 100_000;

    /// <summary>The producer's stream of message IDs; the Go service used the index name.</summary>
    public string Stream { get; set; } = "";
    public string AuthToken { get; set; } = "";
    public LogFormat LogFormat { get; set; } = LogFormat.Json;
    public LogLevel LogLevel { get; set; } = LogLevel.Information;
    public string PitcherUrl { get; set; } = "";
    public string PitcherToken { get; set; } = "";
    public int ErrorThreshold { get; set; }
    public int CriticalThreshold { get; set; }
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Windows computed each cycle, shortest first: SCOUT_WINDOWS plus ALERT_WINDOW.</summary>
    public IReadOnlyList<AnalyticsWindow> Windows { get; set; } =
        [new("5m", TimeSpan.FromMinutes(5)), new("1h", TimeSpan.FromHours(1)), new("24h", TimeSpan.FromHours(24))];
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a full pass checks the counts against every document (SCOUT_RECONCILE_INTERVAL).</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Stream pages (1,000 entries each) one cycle counts at most; the rest waits for the next cycle.</summary>
    public int MaxStreamPagesPerCycle { get; set; } = 100;

    /// <summary>The window alert thresholds are compared in: a name of <see cref="Windows"/> or "all".</summary>
    public string AlertWindow { get; set; } = "5m";
    public TimeSpan AlertTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public int AlertRetries { get; set; } = 3;

    public bool AlertingEnabled => PitcherUrl.Length > 0;

    /// <summary>Every window served: "all" first, then the configured ones.</summary>
    public IEnumerable<string> WindowNames => Windows.Select(w => w.Name).Prepend(AnalyticsWindow.AllName);
}

public enum LogFormat { Json, Text }

/// <summary>A time window over message timestamps; <see cref="AllName"/> means every indexed message.</summary>
public sealed record AnalyticsWindow(string Name, TimeSpan Length)
{
    public const string AllName = "all";
}
