using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace FunctionsSelfHost.Settings;

/// <summary>The parts of host.json and app settings that shape the Functions-style runtime.</summary>
public sealed class HostSettings
{
    /// <summary>Functions' default for a dedicated plan when host.json names no functionTimeout.</summary>
    public static readonly TimeSpan DefaultFunctionTimeout = TimeSpan.FromMinutes(30);

    public TimeSpan? FunctionTimeout { get; init; } = DefaultFunctionTimeout;

    /// <summary>extensions.http.routePrefix; Functions uses "api" when host.json does not say.</summary>
    public string RoutePrefix { get; init; } = "api";

    public required IConfiguration Settings { get; init; }

    /// <summary>The app's name, which <see cref="HostId"/> is derived from when neither setting names it.</summary>
    public required string AppName { get; init; }

    /// <summary>
    /// Names this app's timers in shared storage: AzureFunctionsWebHost__hostid, else derived from the
    /// app name like the Functions host does (lower case, letters, digits and dashes, at most 32).
    /// </summary>
    public string HostId
    {
        get
        {
            var configured = Settings["AzureFunctionsWebHost:hostid"];
            if (!string.IsNullOrWhiteSpace(configured)) return configured.Trim();
            var name = (Settings["WEBSITE_SITE_NAME"] is { Length: > 0 } site ? site : AppName).ToLowerInvariant();
            var id = new string(name.Where(c => char.IsAsciiLetterOrDigit(c) || c == '-').ToArray()).Trim('-');
            return id.Length <= 32 ? id : id[..32].TrimEnd('-');
        }
    }

    public static HostSettings From(IConfiguration config, string appName)
    {
        // App settings override host.json the Functions way: AzureFunctionsJobHost__<path>.
        string? HostJson(string path) => config["AzureFunctionsJobHost:" + path] ?? config[path];
        var timeoutText = HostJson("functionTimeout");
        TimeSpan? timeout = DefaultFunctionTimeout;
        if (timeoutText is "-1") timeout = null;
        else if (!string.IsNullOrWhiteSpace(timeoutText))
        {
            if (!TimeSpan.TryParse(timeoutText, CultureInfo.InvariantCulture, out var parsed) || parsed <= TimeSpan.Zero)
                throw new ConfigurationError("host.json functionTimeout", timeoutText, "a TimeSpan such as 00:05:00, or -1 for no limit");
            timeout = parsed;
        }
        return new HostSettings
        {
            AppName = appName,
            FunctionTimeout = timeout,
            RoutePrefix = (HostJson("extensions:http:routePrefix") ?? "api").Trim('/'),
            Settings = config,
        };
    }

    /// <summary>The URL path of an HTTP function's route, under the route prefix.</summary>
    public string PathOf(string route) => "/" + (RoutePrefix.Length == 0 ? route : RoutePrefix + "/" + route);

    /// <summary>AzureWebJobs.&lt;Function&gt;.Disabled (or AzureWebJobs__&lt;Function&gt;__Disabled where dots are not allowed).</summary>
    public bool IsDisabled(string function)
    {
        var value = Settings[$"AzureWebJobs.{function}.Disabled"] ?? Settings[$"AzureWebJobs:{function}:Disabled"];
        return value is not null && (value == "1" || bool.TryParse(value, out var disabled) && disabled);
    }
}
