using System.Text.RegularExpressions;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Deployment;

/// <summary>
/// compose.yaml, the quick start where Docker exists: valid as Docker Compose reads it (Debian's docker-compose checks it
/// offline; no engine is needed), every image pinned, and Scout and the producer built from this repository.
/// </summary>
public sealed partial class ComposeTests
{
    private static string ComposeFile => Path.Combine(RepositoryFiles.Root, "compose.yaml");

    [Fact]
    public async Task Compose_file_is_valid_and_resolves_the_three_services()
    {
        var binary = ServerProcess.OnPath("docker-compose").FirstOrDefault(File.Exists)
                     ?? throw new InvalidOperationException("docker-compose is not installed: apt-get install -y docker-compose (scripts/test.sh does)");
        var (exitCode, output) = await BoundedProcess.RunAsync(binary, ["-f", ComposeFile, "config"], RepositoryFiles.Root, TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, $"docker-compose config exited with {exitCode}:\n{output}");
        foreach (var service in new[] { "redis:", "scout:", "producer:" }) Assert.Contains(service, output);
        Assert.Contains("AUTH_TOKEN: local-dev-token", output);
        // Redis 8, the engine users install (Redis Stack is retired), pinned to an exact release.
        Assert.Matches(@"image: redis:8\.\d+\.\d+", output);
    }

    [Fact]
    public void Every_image_is_pinned_to_a_version()
    {
        var images = Image().Matches(File.ReadAllText(ComposeFile)).Select(m => m.Groups[1].Value)
            .Concat(From().Matches(File.ReadAllText(Path.Combine(RepositoryFiles.Root, "samples", "Producer", "Dockerfile"))).Select(m => m.Groups[1].Value))
            .ToList();
        Assert.NotEmpty(images);
        Assert.All(images, image => Assert.Matches(@":\d[\w.\-]*$", image)); // a version tag, never latest or none
    }

    [GeneratedRegex(@"(?m)^\s+image:\s*(\S+)")]
    private static partial Regex Image();

    [GeneratedRegex(@"(?m)^FROM\s+(\S+)")]
    private static partial Regex From();
}
