using System.Globalization;
using System.Text.RegularExpressions;

namespace Scout.Tests.Infrastructure;

/// <summary>Reads samples from the app's real /metrics exposition (Prometheus text format), as Prometheus would scrape it.</summary>
public static partial class MetricsScrape
{
    /// <summary>The value of the sample with exactly these labels (in any order); 0 when the series was never exported.</summary>
    public static async Task<double> ValueAsync(ScoutApp app, string name, params (string Label, string Value)[] labels)
    {
        var wanted = labels.ToDictionary(l => l.Label, l => l.Value);
        return Find(await app.Client.GetStringAsync("/metrics"), match =>
        {
            if (match.Groups["name"].Value != name) return false;
            var found = Label().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            return found.Count == wanted.Count && wanted.All(w => found.TryGetValue(w.Key, out var v) && v == w.Value);
        }) ?? 0;
    }

    /// <summary>The value of one series, written exactly as exposed (name{labels}, same label order), or null when it is absent.</summary>
    public static double? Sample(string exposition, string series) =>
        Find(exposition, match => match.Groups["series"].Value == series);

    /// <summary>The value of the first sample line the predicate accepts, or null when none does.</summary>
    private static double? Find(string exposition, Func<Match, bool> accept)
    {
        foreach (var line in exposition.Split('\n'))
        {
            var match = SampleLine().Match(line);
            if (match.Success && accept(match))
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return null;
    }

    [GeneratedRegex(@"^(?<series>(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>(?:[^}""]|""(?:[^""\\]|\\.)*"")*)\})?)\s+(?<value>\S+)")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(\w+)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
