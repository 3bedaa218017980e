namespace Scout.Tests.Deployment;

/// <summary>
/// Dockerfile.functions: the same build, published framework-dependent into the Functions host image's script root.
/// The default image's rules that apply here apply unchanged; the ones about the self-contained apphost do not.
/// </summary>
public class DockerfileFunctionsTests
{
    private static readonly Dockerfile Parsed = Dockerfile.Parse(RepositoryFiles.Read("Dockerfile.functions"));
    private static readonly Dockerfile Default = Dockerfile.Parse(RepositoryFiles.Read("Dockerfile"));

    [Fact]
    public void It_runs_non_root_on_8080_without_baked_secrets_and_with_the_oci_labels()
    {
        Assert.Empty(DockerfileRules.NonRootUser(Parsed));
        Assert.Empty(DockerfileRules.Port(Parsed));
        Assert.Empty(DockerfileRules.NoSecrets(Parsed));
        Assert.Empty(DockerfileRules.Labels(Parsed));
        Assert.Empty(DockerfileRules.ProjectsCopied(Parsed));
    }

    [Fact]
    public void It_builds_with_the_default_images_sdk_and_runs_on_the_functions_host_image_the_issue_names()
    {
        Assert.Equal(2, Parsed.Stages.Count);
        Assert.Equal(Default.Stages[0].Image, Parsed.Stages[0].Image);
        Assert.Equal("mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0", Parsed.Final.Image);
    }

    [Fact]
    public void The_publish_output_is_the_hosts_script_root_and_the_host_listens_on_8080_without_its_homepage()
    {
        var publish = Assert.Single(Parsed.Instructions, i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("-o /home/site/wwwroot", publish.Arguments);
        // The host image brings the runtime: a self-contained publish would ship a second one.
        Assert.DoesNotContain("SelfContained=true", publish.Arguments);
        var env = Parsed.Final.All("ENV").SelectMany(Dockerfile.Pairs).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("/home/site/wwwroot", env["AzureWebJobsScriptRoot"]);
        Assert.Equal("dotnet-isolated", env["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Equal("http://+:8080", env["ASPNETCORE_URLS"]);
        Assert.Equal("true", env["AzureWebJobsDisableHomepage"]);
        Assert.Contains(Parsed.Final.All("COPY"), c => c.Arguments == "--from=build /home/site/wwwroot /home/site/wwwroot");
    }
}
