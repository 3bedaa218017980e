using System.Diagnostics;
using System.Text.Json;

namespace Scout.Tests.Deployment;

/// <summary>The README's first command, `dotnet run --project ScoutFunctions`, starts the self-host, not Core Tools.</summary>
public sealed class DotnetRunTests
{
    [Fact]
    public async Task Dotnet_run_starts_the_built_app_and_not_func()
    {
        // What `dotnet run` computes before it starts anything (the Worker SDK's own targets would say `func start`).
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryFiles.Root,
        };
        foreach (var argument in new[] { "msbuild", "ScoutFunctions/ScoutFunctions.csproj", "-t:ComputeRunArguments",
                     "-getProperty:RunCommand", "-getProperty:RunArguments", "-p:Configuration=Release", "-nologo" })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(process.ExitCode == 0, $"dotnet msbuild failed: {output} {errors}");
        var properties = JsonDocument.Parse(output[output.IndexOf('{')..]).RootElement.GetProperty("Properties");
        Assert.Equal("dotnet", Path.GetFileName(properties.GetProperty("RunCommand").GetString()));
        Assert.Matches(@"^exec "".*ScoutFunctions\.dll""$", properties.GetProperty("RunArguments").GetString());
    }
}
