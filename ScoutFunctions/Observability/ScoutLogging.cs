using Scout.Configuration;

namespace Scout.Observability;

public static class ScoutLogging
{
    /// <summary>LOG_FORMAT picks the framework's JSON or simple console formatter; LOG_LEVEL sets the default level.</summary>
    public static ILoggingBuilder AddScoutLogging(this ILoggingBuilder logging, ScoutOptions options, bool logLevelSet)
    {
        logging.ClearProviders();
        if (options.LogFormat == LogFormat.Json)
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        else
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "HH:mm:ss ";
            });
        // Registered after host.json's logging.logLevel, so an explicit LOG_LEVEL wins for the default category.
        if (logLevelSet) logging.AddFilter((string?)null, options.LogLevel);
        // The health check service logs an Error for every failing check, i.e. every failing readiness probe:
        // ReadinessLog reports the change of state once instead.
        logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.None);
        return logging;
    }

    /// <summary>
    /// One line at start-up saying what this Scout reads and how it is reached: the Redis endpoint, TLS, the login (the
    /// user's name, never its password), the index and stream, the interval, and whether the API asks for a token; then a warning when SCOUT_OWN_INDEX, retired,
    /// is still set to true.
    /// </summary>
    public static void LogStartup(ILogger logger, ScoutOptions options, BuildInfo build)
    {
        var login = options.RedisUsername is { Length: > 0 } user ? $"user {user}" : options.RedisPassword.Length > 0 ? "password" : "no login";
        logger.LogInformation(
            "Scout {Version} counting index {Index} from stream {Stream} every {Interval} on redis {RedisAddr}:{RedisPort} (TLS {Tls}, {Login}); API token {Auth}",
            build.Version, options.Index, options.Stream is { Length: > 0 } stream ? stream : options.Index, options.IntervalText,
            options.RedisAddr, options.RedisPort, options.RedisTls ? "on" : "off", login, options.AuthToken.Length > 0 ? "required" : "off");
        if (options.OwnIndex)
            logger.LogWarning("SCOUT_OWN_INDEX=true is no longer used: Scout counts from the stream (an own index left by an earlier version is dropped, never its documents)");
    }

    /// <summary>The start-up banner, only in text mode so JSON logs stay one parseable object per line.</summary>
    public static void PrintBanner(ScoutOptions options, BuildInfo build, TextWriter output)
    {
        if (options.LogFormat != LogFormat.Text) return;
        output.WriteLine($"""
            ┌─────────────────────────────────────────┐
            │  {BuildInfo.ServiceName,-39}│
            │  version {build.Version,-31}│
            │  commit  {build.Commit,-31}│
            └─────────────────────────────────────────┘
            """);
    }
}
