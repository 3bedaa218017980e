using System.Text;
using FunctionsSelfHost.Settings;
using Microsoft.Extensions.Configuration;
using Scout.Observability;
using Scout.OpenApi;
using Scout.Tests.Deployment;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.OpenApi;

/// <summary>The committed OpenAPI document: what the code generates, and valid OpenAPI 3.1 by a real linter.</summary>
public sealed class OpenApiDocumentTests
{
    private static readonly TimeSpan LintBound = TimeSpan.FromMinutes(2);

    /// <summary>The document for the repository's host.json (its route prefix), every function enabled.</summary>
    internal static byte[] Generated()
    {
        var settings = new ConfigurationBuilder().AddJsonFile(RepositoryFiles.PathOf("host.json")).Build();
        return OpenApiDocumentBuilder.Build(ScoutTable.Functions, HostSettings.From(settings, BuildInfo.ServiceName));
    }

    [Fact]
    public void The_committed_document_is_the_one_the_code_generates()
    {
        var generated = Encoding.UTF8.GetString(Generated());
        var committedPath = RepositoryFiles.PathOf(OpenApiConformance.CommittedPath);
        var committed = File.Exists(committedPath) ? File.ReadAllText(committedPath) : "";
        if (committed == generated) return;

        // Left where scripts/openapi.sh (and a reviewer) can take it: the test itself never writes the committed copy.
        var written = RepositoryFiles.PathOf("TestResults/openapi/v1.json");
        Directory.CreateDirectory(Path.GetDirectoryName(written)!);
        File.WriteAllText(written, generated);
        Assert.Fail($"{OpenApiConformance.CommittedPath} differs from the document the code generates (written to {written}). " +
            $"Review the difference (diff {OpenApiConformance.CommittedPath} TestResults/openapi/v1.json) and run bash scripts/openapi.sh to commit it.");
    }

    [Fact]
    public async Task Redocly_lints_the_committed_document_without_errors_or_warnings()
    {
        var redocly = RepositoryFiles.PathOf("test-tools/node_modules/.bin/redocly");
        Assert.True(File.Exists(redocly),
            $"{redocly} not found: install the pinned test tools with `npm ci --prefix test-tools` (scripts/test.sh does).");

        var (exitCode, output) = await BoundedProcess.RunAsync(redocly,
            ["lint", OpenApiConformance.CommittedPath, "--config", "docs/openapi/redocly.yaml", "--format", "stylish"],
            RepositoryFiles.Root, LintBound,
            // Offline: no telemetry, no update or product notices.
            new Dictionary<string, string> { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true", ["REDOCLY_SUPPRESS_NOTIFICATIONS"] = "true" });

        Assert.True(exitCode == 0, $"redocly lint failed (exit {exitCode}):\n{output}");
        // Zero errors is the exit code; Redocly counts warnings in its summary ("You have 2 warnings.").
        Assert.Contains("Woohoo! Your API description is valid.", output);
        Assert.DoesNotMatch(@"You have \d+ warnings?", output);
    }
}
