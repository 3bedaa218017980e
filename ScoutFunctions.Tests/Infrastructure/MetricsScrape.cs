using System.Globalization;
using System.Text.RegularExpressions;

namespace Scout.Tests.Infrastructure;

/// <summary>Reads samples from the app's real /metrics exposition (Prometheus text format), as Prometheus would scrape it.</summary>
public static partial class MetricsScrape
{
    /// <summary>The value of the sample with exactly these labels (in any order); 0 when the series was never exported.</summary>
    public static async Task<double> ValueAsync(ScoutApp app, string name, params (string Label, string Value)[] labels) =>
        Samples(await app.Client.GetStringAsync("/metrics"))
            .Where(m => Is(m, name, labels, exactly: true)).Select(ValueOf).FirstOrDefault();

    /// <summary>The value of one series, written exactly as exposed (name{labels}, same label order), or null when it is absent.</summary>
    public static double? Sample(string exposition, string series) =>
        Samples(exposition).Where(m => m.Groups["series"].Value == series).Select(m => (double?)ValueOf(m)).FirstOrDefault();

    /// <summary>The sum over every series of this name that has at least these labels, as PromQL's sum() adds them.</summary>
    public static double Sum(string exposition, string name, params (string Label, string Value)[] labels) =>
        Samples(exposition).Where(m => Is(m, name, labels, exactly: false)).Sum(ValueOf);

    private static IEnumerable<Match> Samples(string exposition) =>
        exposition.Split('\n').Select(line => SampleLine().Match(line)).Where(m => m.Success);

    private static bool Is(Match sample, string name, (string Label, string Value)[] labels, bool exactly)
    {
        if (sample.Groups["name"].Value != name) return false;
        var found = Label().Matches(sample.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        return (!exactly || found.Count == labels.Length) && labels.All(l => found.GetValueOrDefault(l.Label) == l.Value);
    }

    private static double ValueOf(Match sample) => double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<series>(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>(?:[^}""]|""(?:[^""\\]|\\.)*"")*)\})?)\s+(?<value>\S+)")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(\w+)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
