using System.Globalization;

namespace Scout.Tests.Integration.Service;

/// <summary>Reads samples from the Prometheus text exposition that /metrics serves.</summary>
public static class PrometheusText
{
    /// <summary>The value of one series, written exactly as exposed (name{labels}), or null when it is absent.</summary>
    public static double? Sample(string exposition, string series)
    {
        foreach (var line in exposition.Split('\n'))
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line[(series.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
        return null;
    }
}
