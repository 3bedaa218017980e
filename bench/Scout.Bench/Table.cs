using System.Globalization;

namespace Scout.Bench;

/// <summary>Result rows in the shape bench/run.sh collects: | area | measure | value | goal |.</summary>
public static class Table
{
    public static void Row(string area, string measure, string value, string goal = "")
    {
        Console.Out.WriteLine($"| {area} | {measure} | {value} | {goal} |");
        Console.Out.Flush();
    }

    public static string F(double value, string format = "F1") => value.ToString(format, CultureInfo.InvariantCulture);

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Timings in milliseconds as "median ms (min …, max …)".</summary>
    public static string MedianMs(IReadOnlyCollection<double> times) =>
        $"{F(Median(times), "F0")} ms (min {F(times.Min(), "F0")}, max {F(times.Max(), "F0")})";

    public static void Progress(string message) => Console.Error.WriteLine($"[bench] {message}");
}
