using System.Text.Json;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Deployment;

/// <summary>The README's first command, `dotnet run --project ScoutFunctions`, starts the self-host, not Core Tools.</summary>
public sealed class DotnetRunTests
{
    [Fact]
    public async Task Dotnet_run_starts_the_built_app_and_not_func()
    {
        // What `dotnet run` computes before it starts anything (the Worker SDK's own targets would say `func start`).
        var (exitCode, output) = await BoundedProcess.RunAsync("dotnet",
            ["msbuild", "ScoutFunctions/ScoutFunctions.csproj", "-t:ComputeRunArguments", "-getProperty:RunCommand",
                "-getProperty:RunArguments", "-p:Configuration=Release", "-nologo"],
            RepositoryFiles.Root, TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"dotnet msbuild failed: {output}");
        var properties = JsonDocument.Parse(output[output.IndexOf('{')..]).RootElement.GetProperty("Properties");
        Assert.Equal("dotnet", Path.GetFileName(properties.GetProperty("RunCommand").GetString()));
        Assert.Matches(@"^exec "".*ScoutFunctions\.dll""$", properties.GetProperty("RunArguments").GetString());
    }
}
