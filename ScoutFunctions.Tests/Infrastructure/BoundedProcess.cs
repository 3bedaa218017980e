using System.Diagnostics;
using System.Text;

namespace Scout.Tests.Infrastructure;

/// <summary>Runs a command to its end with its output and errors captured together; one that outlives its bound fails the test.</summary>
public static class BoundedProcess
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, string directory, TimeSpan bound,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)} did not finish within {bound.TotalMinutes} min:\n{output}");
        }
        // The parameterless wait also drains the redirected output.
        process.WaitForExit();
        lock (output) return (process.ExitCode, output.ToString());
    }
}
