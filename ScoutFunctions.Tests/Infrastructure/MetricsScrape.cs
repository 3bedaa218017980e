using System.Globalization;
using System.Text.RegularExpressions;

namespace Scout.Tests.Infrastructure;

/// <summary>Reads one sample from the app's real /metrics exposition, as Prometheus would scrape it.</summary>
public static partial class MetricsScrape
{
    /// <summary>The value of the sample with exactly these labels; 0 when the series was never exported.</summary>
    public static async Task<double> ValueAsync(ScoutApp app, string name, params (string Label, string Value)[] labels)
    {
        var text = await app.Client.GetStringAsync("/metrics");
        var wanted = labels.ToDictionary(l => l.Label, l => l.Value);
        foreach (var line in text.Split('\n'))
        {
            var match = Sample().Match(line);
            if (!match.Success || match.Groups["name"].Value != name) continue;
            var found = Label().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            if (found.Count == wanted.Count && wanted.All(w => found.TryGetValue(w.Key, out var v) && v == w.Value))
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return 0;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>\S+)")]
    private static partial Regex Sample();

    [GeneratedRegex(@"(\w+)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
