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

    public static void Progress(string message) => Console.Error.WriteLine($"[bench] {message}");
}
