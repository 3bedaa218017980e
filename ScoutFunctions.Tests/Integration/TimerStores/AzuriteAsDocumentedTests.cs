using System.Text.RegularExpressions;

namespace Scout.Tests.Integration.TimerStores;

/// <summary>
/// The tests start Azurite exactly as the documentation tells a developer to (BlobTimerStoreTests then prove Scout's
/// pinned Blob service version works against it), so the documented command cannot silently stop working again.
/// </summary>
public sealed class AzuriteAsDocumentedTests
{
    [Fact]
    public void Every_documented_azurite_blob_command_uses_the_fixtures_options()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Scout.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var documents = new[] { Path.Combine(dir.FullName, "README.md") }
            .Concat(Directory.Exists(Path.Combine(dir.FullName, "docs")) ? Directory.GetFiles(Path.Combine(dir.FullName, "docs"), "*.md") : []);
        var commands = documents
            .SelectMany(File.ReadAllLines)
            .SelectMany(line => Regex.Matches(line, @"azurite-blob(?<args>( +--?[A-Za-z][^ `]*( +[^- `][^ `]*)?)*)").Select(m => m.Groups["args"].Value))
            .ToList();
        Assert.NotEmpty(commands);
        var fixtureOptions = AzuriteFixture.DocumentedArguments("x").Where(a => a.StartsWith('-')).ToList();
        foreach (var arguments in commands)
        {
            var options = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(a => a.StartsWith('-')).ToList();
            // A documented command may leave out --location (Azurite then uses the current folder), never add options.
            Assert.All(options, o => Assert.Contains(o, fixtureOptions));
        }
        Assert.Contains(commands, c => c.Contains("--location"));
    }
}
