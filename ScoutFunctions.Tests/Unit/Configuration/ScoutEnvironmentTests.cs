using System.Text.RegularExpressions;
using FunctionsSelfHost.Settings;
using FunctionsSelfHost.Timers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Scout.Configuration;
using Scout.Observability;

namespace Scout.Tests.Unit.Configuration;

public sealed class ScoutEnvironmentTests
{
    private static IConfiguration Config(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();

    private static ScoutOptions Load(params (string Key, string? Value)[] values) => ScoutEnvironment.Load(Config(values));

    // How each documented variable's loaded value is written in the env-variable spelling of the README.
    private static readonly Dictionary<string, Func<ScoutOptions, string>> Rendered = new()
    {
        ["PORT"] = o => o.Port.ToString(),
        ["REDIS_ADDR"] = o => o.RedisAddr,
        ["REDIS_PORT"] = o => o.RedisPort.ToString(),
        ["REDIS_PASSWORD"] = o => o.RedisPassword,
        ["REDIS_USERNAME"] = o => o.RedisUsername,
        ["REDIS_TLS"] = o => o.RedisTls ? "true" : "false",
        ["REDIS_TLS_CA_FILE"] = o => o.RedisTlsCaFile,
        ["REDIS_TLS_CERT_FILE"] = o => o.RedisTlsCertFile,
        ["REDIS_TLS_KEY_FILE"] = o => o.RedisTlsKeyFile,
        ["REDIS_TLS_SERVER_NAME"] = o => o.RedisTlsServerName,
        ["REDISEARCH_INDEX"] = o => o.Index,
        ["SCOUT_INTERVAL"] = o => o.IntervalText,
        ["SCOUT_QUERY_TIMEOUT"] = o => GoDuration.Format(o.QueryTimeout),
        ["SCOUT_RECONCILE_INTERVAL"] = o => GoDuration.Format(o.ReconcileInterval),
        ["SCOUT_PROFILE_NAME"] = o => o.ProfileName,
        ["SCOUT_RETENTION_TTL"] = o => GoDuration.Format(o.RetentionTtl),
        ["SCOUT_RETENTION_ENABLED"] = o => o.RetentionEnabled ? "true" : "false",
        ["AUTH_TOKEN"] = o => o.AuthToken,
        ["LOG_FORMAT"] = o => o.LogFormat.ToString().ToLowerInvariant(),
        ["LOG_LEVEL"] = o => o.LogLevel switch
        {
            LogLevel.Debug => "debug", LogLevel.Information => "info", LogLevel.Warning => "warn", LogLevel.Error => "error", var l => l.ToString(),
        },
        ["ALERT_PITCHER_URL"] = o => o.PitcherUrl,
        ["ALERT_PITCHER_TOKEN"] = o => o.PitcherToken,
        ["ALERT_ERROR_THRESHOLD"] = o => o.ErrorThreshold.ToString(),
        ["ALERT_CRITICAL_THRESHOLD"] = o => o.CriticalThreshold.ToString(),
        ["ALERT_COOLDOWN"] = o => GoDuration.Format(o.Cooldown),
        ["ALERT_WINDOW"] = o => o.AlertWindow,
        ["ALERT_TIMEOUT"] = o => GoDuration.Format(o.AlertTimeout),
        ["ALERT_RETRIES"] = o => o.AlertRetries.ToString(),
        ["SCOUT_RETENTION_APPROX"] = o => o.RetentionApproximate ? "true" : "false",
        ["SCOUT_PROFILE_WATCH"] = o => o.ProfileWatch ? "true" : "false",
        ["SCOUT_OWN_INDEX"] = o => o.OwnIndex ? "true" : "false",
        ["SCOUT_RETENTION_MAX_DELETES"] = o => o.RetentionMaxDeletes.ToString(),
        // Documented as "defaults to the index name".
        ["SCOUT_STREAM"] = o => o.Stream == o.Index ? "REDISEARCH_INDEX" : o.Stream,
    };

    // Read by the timer functions and the profile service, not ScoutOptions; their defaults are tested
    // there (schedules fall back to %SCOUT_INTERVAL%, the profile namespace to homerun2, the watch to on).
    private static readonly HashSet<string> ReadOutsideScoutOptions =
        ["ALERT_SCHEDULE", "SCOUT_RETENTION_SCHEDULE", "POD_NAMESPACE", "KUBECONFIG", "SCOUT_KUBE_CONTEXT"];

    private static string CanonicalDuration(string text) => GoDuration.Format(GoDuration.Parse(text));

    // The Go service's documented defaults (homerun2-scout README), which Scout keeps.
    [Theory]
    [InlineData("PORT", "8080")]
    [InlineData("REDIS_ADDR", "localhost")]
    [InlineData("REDIS_PORT", "6379")]
    [InlineData("REDIS_PASSWORD", "")]
    [InlineData("REDISEARCH_INDEX", "messages")]
    [InlineData("SCOUT_INTERVAL", "60s")]
    [InlineData("SCOUT_PROFILE_NAME", "")]
    [InlineData("SCOUT_RETENTION_TTL", "48h")]
    [InlineData("SCOUT_RETENTION_ENABLED", "true")]
    [InlineData("AUTH_TOKEN", "")]
    [InlineData("LOG_FORMAT", "json")]
    [InlineData("LOG_LEVEL", "info")]
    [InlineData("ALERT_PITCHER_URL", "")]
    [InlineData("ALERT_PITCHER_TOKEN", "")]
    [InlineData("ALERT_ERROR_THRESHOLD", "0")]
    [InlineData("ALERT_CRITICAL_THRESHOLD", "0")]
    [InlineData("ALERT_COOLDOWN", "5m")]
    [InlineData("SCOUT_QUERY_TIMEOUT", "30s")]
    public void An_unset_variable_takes_the_go_services_default(string variable, string goDefault)
    {
        var loaded = Rendered[variable](Load());
        var expected = variable is "ALERT_COOLDOWN" or "SCOUT_RETENTION_TTL" or "SCOUT_QUERY_TIMEOUT" ? CanonicalDuration(goDefault) : goDefault;
        Assert.Equal(expected, loaded);
    }

    [Fact]
    public void Every_default_in_the_readme_configuration_table_is_what_loading_an_empty_configuration_gives()
    {
        var rows = ReadmeConfigurationTable();
        Assert.True(rows.Count >= 18, $"expected the README configuration table, found {rows.Count} rows");
        var options = Load();
        var windowsOnly = Load(("ALERT_WINDOW", "all"));
        foreach (var (variable, readmeDefault) in rows)
        {
            if (variable == "SCOUT_WINDOWS")
            {
                // The table documents SCOUT_WINDOWS alone; ALERT_WINDOW=all keeps the alert window out of it.
                Assert.Equal(readmeDefault, string.Join(",", windowsOnly.Windows.Select(w => w.Name)));
                continue;
            }
            if (ReadOutsideScoutOptions.Contains(variable)) continue;
            Assert.True(Rendered.ContainsKey(variable), $"README documents {variable}, which this test does not know");
            var expected = readmeDefault.StartsWith('(') ? "" : readmeDefault;
            if (expected.Length > 0 && variable is "ALERT_COOLDOWN" or "SCOUT_RETENTION_TTL" or "SCOUT_QUERY_TIMEOUT" or "ALERT_TIMEOUT" or "SCOUT_RECONCILE_INTERVAL")
                expected = CanonicalDuration(expected);
            Assert.True(expected == Rendered[variable](options), $"{variable}: README says {readmeDefault}, loaded {Rendered[variable](options)}");
        }
    }

    [Fact]
    public void Defaults_beyond_the_go_service_are_sane()
    {
        var options = Load();
        Assert.Equal(TimeSpan.FromSeconds(60), options.Interval);
        Assert.False(options.RetentionApproximate);
        Assert.Equal(100_000, options.RetentionMaxDeletes);
        Assert.Equal("messages", options.Stream);
        Assert.Equal(TimeSpan.FromSeconds(10), options.AlertTimeout);
        Assert.Equal(3, options.AlertRetries);
        Assert.False(options.AlertingEnabled);
    }

    [Fact]
    public void Default_windows_are_the_alert_window_5m_plus_1h_and_24h_with_all_served_first()
    {
        var options = Load();
        Assert.Equal(["5m", "1h", "24h"], options.Windows.Select(w => w.Name));
        Assert.Equal([TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), TimeSpan.FromHours(24)], options.Windows.Select(w => w.Length));
        Assert.Equal("5m", options.AlertWindow);
        Assert.Equal(["all", "5m", "1h", "24h"], options.WindowNames);
    }

    [Fact]
    public void Scout_windows_are_sorted_shortest_first()
    {
        var options = Load(("SCOUT_WINDOWS", " 24h , 15m,1h30m "), ("ALERT_WINDOW", "all"));
        Assert.Equal(["15m", "1h30m", "24h"], options.Windows.Select(w => w.Name));
        Assert.Equal(["all", "15m", "1h30m", "24h"], options.WindowNames);
    }

    [Fact]
    public void An_alert_window_already_among_the_windows_is_not_added_twice_and_takes_its_name()
    {
        var same = Load(("ALERT_WINDOW", "1h"));
        Assert.Equal(["1h", "24h"], same.Windows.Select(w => w.Name));
        Assert.Equal("1h", same.AlertWindow);

        // 60m is the same length as 1h: the served window name is the one in SCOUT_WINDOWS.
        var equalLength = Load(("ALERT_WINDOW", "60m"));
        Assert.Equal(["1h", "24h"], equalLength.Windows.Select(w => w.Name));
        Assert.Equal("1h", equalLength.AlertWindow);
    }

    [Fact]
    public void An_alert_window_outside_the_windows_is_inserted_in_length_order()
    {
        var options = Load(("SCOUT_WINDOWS", "1h,24h"), ("ALERT_WINDOW", "6h"));
        Assert.Equal(["1h", "6h", "24h"], options.Windows.Select(w => w.Name));
        Assert.Equal("6h", options.AlertWindow);
    }

    [Fact]
    public void Alert_window_all_adds_no_window()
    {
        var options = Load(("ALERT_WINDOW", "all"));
        Assert.Equal(["1h", "24h"], options.Windows.Select(w => w.Name));
        Assert.Equal("all", options.AlertWindow);
    }

    [Fact]
    public void Empty_scout_windows_leaves_only_all_and_the_alert_window()
    {
        Assert.Equal(["5m"], Load(("SCOUT_WINDOWS", "")).Windows.Select(w => w.Name));
        var none = Load(("SCOUT_WINDOWS", ""), ("ALERT_WINDOW", "all"));
        Assert.Empty(none.Windows);
        Assert.Equal(["all"], none.WindowNames);
    }

    [Fact]
    public void Set_values_are_read_and_trimmed()
    {
        var options = Load(
            ("PORT", " 9090 "), ("REDIS_ADDR", "redis.homerun2"), ("REDIS_PORT", "6380"), ("REDISEARCH_INDEX", "idx"),
            ("SCOUT_INTERVAL", "1h30m"), ("SCOUT_PROFILE_NAME", " default "), ("SCOUT_RETENTION_TTL", "72h"),
            ("SCOUT_RETENTION_ENABLED", "0"), ("SCOUT_RETENTION_APPROX", "T"), ("SCOUT_RETENTION_MAX_DELETES", "5"),
            ("LOG_FORMAT", "TEXT"), ("LOG_LEVEL", "warn"), ("ALERT_PITCHER_URL", "https://pitcher.example/pitch"),
            ("ALERT_ERROR_THRESHOLD", "50"), ("ALERT_CRITICAL_THRESHOLD", "10"), ("ALERT_COOLDOWN", "90s"),
            ("SCOUT_QUERY_TIMEOUT", "2s"), ("ALERT_TIMEOUT", "1500ms"), ("ALERT_RETRIES", "10"));

        Assert.Equal((9090, "redis.homerun2", 6380, "idx"), (options.Port, options.RedisAddr, options.RedisPort, options.Index));
        Assert.Equal("idx", options.Stream); // the stream follows the index unless SCOUT_STREAM says otherwise
        Assert.Equal((TimeSpan.FromMinutes(90), "1h30m"), (options.Interval, options.IntervalText));
        Assert.Equal("default", options.ProfileName);
        Assert.Equal((TimeSpan.FromHours(72), false, true, 5),
            (options.RetentionTtl, options.RetentionEnabled, options.RetentionApproximate, options.RetentionMaxDeletes));
        Assert.Equal((LogFormat.Text, LogLevel.Warning), (options.LogFormat, options.LogLevel));
        Assert.Equal("https://pitcher.example/pitch", options.PitcherUrl);
        Assert.True(options.AlertingEnabled);
        Assert.Equal((50, 10, TimeSpan.FromSeconds(90)), (options.ErrorThreshold, options.CriticalThreshold, options.Cooldown));
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(1500), 10), (options.QueryTimeout, options.AlertTimeout, options.AlertRetries));
        Assert.Equal("stream", Load(("REDISEARCH_INDEX", "idx"), ("SCOUT_STREAM", "stream")).Stream);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("t", true)]
    [InlineData("TRUE", true)]
    [InlineData("True", true)]
    [InlineData("0", false)]
    [InlineData("F", false)]
    [InlineData("false", false)]
    [InlineData("FALSE", false)]
    public void Booleans_take_the_spellings_of_go_strconv_parse_bool(string text, bool expected)
    {
        Assert.Equal(expected, Load(("SCOUT_RETENTION_ENABLED", text)).RetentionEnabled);
    }

    [Fact]
    public void Secrets_are_kept_verbatim()
    {
        var options = Load(("REDIS_PASSWORD", " p@ss word "), ("AUTH_TOKEN", "tok en"), ("ALERT_PITCHER_TOKEN", " x "));
        Assert.Equal((" p@ss word ", "tok en", " x "), (options.RedisPassword, options.AuthToken, options.PitcherToken));
    }

    [Theory]
    [InlineData("60s", 60)]
    [InlineData("00:01:00", 60)]
    [InlineData("0 */5 * * * *", 300)]
    public void SCOUT_INTERVAL_takes_a_go_duration_or_the_schedule_forms_the_functions_host_accepts(string value, int seconds)
    {
        // Under the Functions host the same setting is AggregateAnalytics' %SCOUT_INTERVAL% schedule.
        Assert.Equal(TimeSpan.FromSeconds(seconds), Load(("SCOUT_INTERVAL", value)).Interval);
    }

    [Theory]
    [InlineData("PORT", "abc", "an integer from 1 to 65535")]
    [InlineData("PORT", "0", "an integer from 1 to 65535")]
    [InlineData("PORT", "65536", "an integer from 1 to 65535")]
    [InlineData("PORT", "-1", "an integer from 1 to 65535")]
    [InlineData("PORT", "80.5", "an integer from 1 to 65535")]
    [InlineData("REDIS_PORT", "redis", "an integer from 1 to 65535")]
    [InlineData("SCOUT_INTERVAL", "abc", "a Go duration such as 60s, 5m, 1h30m or 48h (greater than zero)")]
    [InlineData("SCOUT_INTERVAL", "10", "a Go duration such as 60s, 5m, 1h30m or 48h (greater than zero)")]
    [InlineData("SCOUT_INTERVAL", "0", "a Go duration such as 60s, 5m, 1h30m or 48h (greater than zero)")]
    [InlineData("SCOUT_INTERVAL", "-5s", "a Go duration such as 60s, 5m, 1h30m or 48h (greater than zero)")]
    [InlineData("SCOUT_RETENTION_TTL", "1d", "a Go duration such as 60s, 5m, 1h30m or 48h (greater than zero)")]
    [InlineData("SCOUT_RETENTION_TTL", "0s", "a Go duration such as 60s, 5m, 1h30m or 48h (greater than zero)")]
    [InlineData("SCOUT_RETENTION_ENABLED", "yes", "true or false")]
    [InlineData("SCOUT_PROFILE_WATCH", "off", "true or false")]
    [InlineData("SCOUT_RETENTION_APPROX", "maybe", "true or false")]
    [InlineData("SCOUT_OWN_INDEX", "no", "true or false")]
    [InlineData("SCOUT_RETENTION_MAX_DELETES", "0", "an integer from 1 to 2147483647")]
    [InlineData("SCOUT_RETENTION_MAX_DELETES", "1e6", "an integer from 1 to 2147483647")]
    [InlineData("LOG_FORMAT", "xml", "one of json, text")]
    [InlineData("LOG_LEVEL", "trace", "one of debug, info, warn, error")]
    [InlineData("LOG_LEVEL", "warning", "one of debug, info, warn, error")]
    [InlineData("ALERT_PITCHER_URL", "ftp://pitcher/pitch", "an absolute http:// or https:// URL")]
    [InlineData("ALERT_PITCHER_URL", "/pitch", "an absolute http:// or https:// URL")]
    [InlineData("ALERT_PITCHER_URL", "pitcher:8080", "an absolute http:// or https:// URL")]
    [InlineData("ALERT_ERROR_THRESHOLD", "-1", "an integer from 0 to 2147483647")]
    [InlineData("ALERT_CRITICAL_THRESHOLD", "ten", "an integer from 0 to 2147483647")]
    [InlineData("ALERT_COOLDOWN", "5", "a Go duration such as 60s, 5m, 1h30m or 48h (greater than zero)")]
    [InlineData("SCOUT_QUERY_TIMEOUT", "0ms", "a Go duration such as 60s, 5m, 1h30m or 48h (greater than zero)")]
    [InlineData("ALERT_TIMEOUT", "never", "a Go duration such as 60s, 5m, 1h30m or 48h (greater than zero)")]
    [InlineData("ALERT_RETRIES", "0", "an integer from 1 to 10")]
    [InlineData("ALERT_RETRIES", "11", "an integer from 1 to 10")]
    [InlineData("ALERT_WINDOW", "1d", "a Go duration such as 60s, 5m, 1h30m or 48h (greater than zero), or all")]
    [InlineData("ALERT_WINDOW", "-5m", "a Go duration such as 60s, 5m, 1h30m or 48h (greater than zero), or all")]
    [InlineData("SCOUT_WINDOWS", "1h,1d", "a comma-separated list of distinct Go durations greater than zero")]
    [InlineData("SCOUT_WINDOWS", "1h,60m", "a comma-separated list of distinct Go durations greater than zero")]
    [InlineData("SCOUT_WINDOWS", "1h,0s", "a comma-separated list of distinct Go durations greater than zero")]
    [InlineData("SCOUT_WINDOWS", "all", "a comma-separated list of distinct Go durations greater than zero")]
    [InlineData("ALERT_SCHEDULE", "every minute", "an NCRONTAB expression with seconds (0 */5 * * * *), a TimeSpan (00:01:00) or a Go duration (60s)")]
    [InlineData("ALERT_SCHEDULE", "0s", "an NCRONTAB expression with seconds (0 */5 * * * *), a TimeSpan (00:01:00) or a Go duration (60s)")]
    [InlineData("SCOUT_RETENTION_SCHEDULE", "99 * * * * *", "an NCRONTAB expression with seconds (0 */5 * * * *), a TimeSpan (00:01:00) or a Go duration (60s)")]
    [InlineData("SCOUT_RETENTION_SCHEDULE", "1d", "an NCRONTAB expression with seconds (0 */5 * * * *), a TimeSpan (00:01:00) or a Go duration (60s)")]
    public void An_invalid_value_stops_loading_with_a_message_naming_the_variable_the_value_and_the_accepted_form(
        string variable, string value, string acceptedForm)
    {
        var error = Assert.Throws<ConfigurationError>(() => Load((variable, value)));

        Assert.Equal(variable, error.Variable);
        // The one line the README documents: invalid configuration: VAR="value": expected <form>.
        Assert.StartsWith($"invalid configuration: {variable}=\"{value}\": expected ", error.Message);
        Assert.Contains(acceptedForm, error.Message);
    }

    [Theory]
    [InlineData("true", 1)]
    [InlineData("false", 0)]
    [InlineData(null, 0)]
    public void The_retired_own_index_setting_is_still_accepted_and_true_logs_one_warning_at_start_up(string? value, int warnings)
    {
        var options = Load(("SCOUT_OWN_INDEX", value));
        using var logs = new CapturedLogs();

        ScoutLogging.LogStartup(logs.CreateLogger("start-up"), options, new BuildInfo("1.0.0", "abc", "today"));

        var warned = logs.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        Assert.Equal(warnings, warned.Count);
        Assert.All(warned, w => Assert.StartsWith("SCOUT_OWN_INDEX=true is no longer used: Scout counts from the stream", w.Message));
    }

    [Fact]
    public void The_readme_example_error_line_is_produced_exactly()
    {
        var error = Assert.Throws<ConfigurationError>(() => Load(("SCOUT_INTERVAL", "abc")));
        Assert.Equal("invalid configuration: SCOUT_INTERVAL=\"abc\": expected a Go duration such as 60s, 5m, 1h30m or 48h (greater than zero)", error.Message);
    }

    [Fact]
    public void Secrets_never_appear_in_an_error_message()
    {
        const string password = "redis-pass-7f3a", token = "auth-tok-91bc", pitcherToken = "pitch-tok-22de";
        var error = Assert.Throws<ConfigurationError>(() => Load(
            ("REDIS_PASSWORD", password), ("AUTH_TOKEN", token), ("ALERT_PITCHER_TOKEN", pitcherToken), ("PORT", "http")));

        Assert.Equal("PORT", error.Variable);
        Assert.DoesNotContain(password, error.Message);
        Assert.DoesNotContain(token, error.Message);
        Assert.DoesNotContain(pitcherToken, error.Message);

        var secret = new ConfigurationError("AUTH_TOKEN", token, "a token", secret: true);
        Assert.DoesNotContain(token, secret.Message);
        Assert.Contains("AUTH_TOKEN", secret.Message);
    }

    [Theory]
    [InlineData("ALERT_SCHEDULE", "0 */5 * * * *")]
    [InlineData("ALERT_SCHEDULE", "*/5 * * * *")]
    [InlineData("ALERT_SCHEDULE", "00:01:00")]
    [InlineData("SCOUT_RETENTION_SCHEDULE", "1h")]
    [InlineData("SCOUT_RETENTION_SCHEDULE", "")]
    public void Valid_or_empty_schedules_load(string variable, string value)
    {
        Assert.NotNull(Load((variable, value)));
    }

    [Fact]
    public void The_schedule_forms_validated_at_start_up_are_the_ones_the_timer_accepts()
    {
        // Both read the same text: anything start-up accepts must give the timer a future occurrence.
        var config = Config(("ALERT_SCHEDULE", "0 */5 * * * *"));
        ScoutEnvironment.Load(config);
        var now = new DateTimeOffset(2026, 3, 11, 12, 1, 0, TimeSpan.Zero);
        Assert.Equal(now.AddMinutes(4), TimerSchedule.Parse("%ALERT_SCHEDULE%", config).GetNext(now));
    }

    private static List<(string Variable, string Default)> ReadmeConfigurationTable()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Scout.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var readme = File.ReadAllLines(Path.Combine(dir.FullName, "README.md"));
        var start = Array.FindIndex(readme, l => l.Trim() == "## Configuration");
        Assert.True(start >= 0, "README has no ## Configuration section");
        var rows = new List<(string, string)>();
        foreach (var line in readme.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ")))
        {
            var match = Regex.Match(line, @"^\|\s*`(?<var>[A-Z_]+)`\s*\|.*\|\s*(?<def>[^|]*?)\s*\|\s*$");
            if (match.Success) rows.Add((match.Groups["var"].Value, match.Groups["def"].Value.Trim('`')));
        }
        return rows;
    }
}
