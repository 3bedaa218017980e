using System.Text;
using System.Text.Encodings.Web;
using FunctionsSelfHost.Settings;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Scout.Configuration;
using Scout.Observability;

namespace Scout.StatusPage;

/// <summary>
/// The status page GET / answers a browser with (Accept: text/html), and its script and style sheet, all three embedded
/// in the assembly. The page holds no data and no secret: only where the API is (the route prefix), the windows to
/// choose from, the refresh interval and whether a token is needed; its script reads the analytics API like any client.
/// </summary>
public sealed class StatusPage(BuildInfo build, HostSettings host, IOptionsMonitor<ScoutOptions> options)
{
    /// <summary>Only this Scout's own script, style sheet and API: no inline script or style, nothing from another host, no framing.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public const string ScriptContentType = "text/javascript; charset=utf-8";
    public const string StyleContentType = "text/css; charset=utf-8";
    public const string HtmlContentType = "text/html; charset=utf-8";

    private static readonly string Template = Encoding.UTF8.GetString(Resource("status.html"));

    public static byte[] Script { get; } = Resource("status.js");

    public static byte[] Style { get; } = Resource("status.css");

    /// <summary>Whether the request asks for HTML (a browser): Accept names text/html with a quality above zero.</summary>
    public static bool Wanted(HttpRequest request) =>
        MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted) &&
        accepted.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase) && a.Quality is not 0);

    /// <summary>The page, with this Scout's route prefix, windows, interval and auth filled in (HTML-encoded).</summary>
    public byte[] Render()
    {
        var current = options.CurrentValue;
        var encode = HtmlEncoder.Default;
        var html = Template
            .Replace("{{base}}", encode.Encode(host.RoutePrefix.Length == 0 ? "" : "/" + host.RoutePrefix), StringComparison.Ordinal)
            .Replace("{{windows}}", encode.Encode(string.Join(",", current.Windows.Select(w => w.Name))), StringComparison.Ordinal)
            .Replace("{{interval}}", ((long)Math.Max(1, current.Interval.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{{auth}}", current.AuthToken.Length > 0 ? "bearer" : "none", StringComparison.Ordinal)
            .Replace("{{version}}", encode.Encode(build.Version), StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(html);
    }

    /// <summary>The headers every answer of the page sets: its policy, no sniffing, no referrer, not cached (a new version serves new files).</summary>
    public static void Secure(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-cache";
    }

    private static byte[] Resource(string name)
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream("Scout.StatusPage." + name)
            ?? throw new InvalidOperationException($"the embedded resource Scout.StatusPage.{name} is missing");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
