using Scout.Tests.Infrastructure;

namespace Scout.Tests.Deployment;

/// <summary>
/// The deployment checks that live in scripts, run from the test suite so their results count in the report:
/// the manifest validator (npm schemas) and the publish-and-run smoke test of the image's publish command.
/// </summary>
[Collection(Name)]
public sealed class DeploymentScriptTests
{
    public const string Name = "deployment-scripts";

    [Fact]
    public async Task Every_manifest_validates_against_the_kubernetes_keda_and_crd_schemas()
    {
        var (exitCode, output) = await RunAsync("scripts/validate-deploy.sh", TimeSpan.FromMinutes(6));
        Assert.True(exitCode == 0, $"validate-deploy.sh exited with {exitCode}:\n{output}");
        Assert.Matches(@"validate-deploy: \d+ passed, 0 failed", output);
    }

    [Fact]
    public async Task The_images_publish_output_starts_and_serves_health_and_metrics()
    {
        var (exitCode, output) = await RunAsync("scripts/smoke-publish.sh", TimeSpan.FromMinutes(15));
        Assert.True(exitCode == 0, $"smoke-publish.sh exited with {exitCode}:\n{output}");
        Assert.Matches(@"\b\d+ passed, 0 failed", output);
    }

    private static Task<(int ExitCode, string Output)> RunAsync(string script, TimeSpan bound) =>
        BoundedProcess.RunAsync("bash", [script], RepositoryFiles.Root, bound);
}

/// <summary>A publish compiles with every core: run alone, so the timing-sensitive tests never share the machine with it.</summary>
[CollectionDefinition(DeploymentScriptTests.Name, DisableParallelization = true)]
public sealed class DeploymentScriptCollection;
