using System.Text.RegularExpressions;

namespace Scout.Tests.Deployment;

public class DockerfileTests
{
    private static readonly string Text = RepositoryFiles.Read("Dockerfile");
    private static readonly string Script = RepositoryFiles.Read(DockerfileRules.PublishScript);
    private static readonly string Project = RepositoryFiles.Read("ScoutFunctions/ScoutFunctions.csproj");

    private static string AssemblyName => Regex.Match(Project, "<AssemblyName>([^<]+)</AssemblyName>").Groups[1].Value;

    [Fact]
    public void The_repository_Dockerfile_satisfies_every_image_invariant()
    {
        Assert.Equal("ScoutFunctions", AssemblyName);
        Assert.Empty(DockerfileRules.Check(Dockerfile.Parse(Text), Script, AssemblyName));
    }

    [Fact]
    public void The_image_builds_in_two_stages_and_runs_self_contained_on_chiseled_runtime_deps()
    {
        var dockerfile = Dockerfile.Parse(Text);
        Assert.Equal(2, dockerfile.Stages.Count);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0.", dockerfile.Stages[0].Image);
        // The output brings its own runtime: an aspnet or runtime image would ship a second, unused one.
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime-deps:10.0.", dockerfile.Final.Image);
        Assert.EndsWith("-chiseled", dockerfile.Final.Image);
        // A chiseled image has no shell: a RUN in the final stage could not work.
        Assert.Empty(dockerfile.Final.All("RUN"));
    }

    public static TheoryData<string, string, string> Mistakes => new()
    {
        { "USER 1654:1654", "USER root", "non-root:" },
        { "USER 1654:1654", "USER 0", "non-root:" },
        { "USER 1654:1654", "", "non-root:" },
        { "EXPOSE 8080", "EXPOSE 80", "port:" },
        { "ENV PORT=8080", "ENV PORT=80", "port:" },
        { "runtime-deps:10.0.12-noble-chiseled", "runtime-deps:latest", "pinned:" },
        { "runtime-deps:10.0.12-noble-chiseled", "runtime-deps", "pinned:" },
        { "sdk:10.0.401-noble", "sdk:10.0", "pinned:" },
        { "ARG COMMIT=unknown", "ARG COMMIT=unknown\nARG NUGET_TOKEN", "secrets:" },
        { "ENV PORT=8080", "ENV PORT=8080 \\\n    REDIS_PASSWORD=hunter2", "secrets:" },
        { "ENV PORT=8080", "ENV PORT=8080\nENV AUTH_TOKEN x", "secrets:" },
        { "[\"/app/ScoutFunctions\"]", "[\"/app/Scout\"]", "entrypoint:" },
        { "[\"/app/ScoutFunctions\"]", "[\"dotnet\", \"ScoutFunctions.dll\"]", "entrypoint:" },
        { "[\"/app/ScoutFunctions\"]", "/app/ScoutFunctions", "entrypoint:" },
        { "WORKDIR /app", "WORKDIR /srv", "entrypoint:" },
        { "COPY --from=build /app ./", "COPY --from=build /out ./", "entrypoint:" },
        { "RUN bash scripts/publish.sh /app \"${VERSION}\" \"${COMMIT}\" \"${BUILD_DATE}\"",
          "RUN dotnet publish ScoutFunctions -c Release -o /app", "publish:" },
        { "\"${COMMIT}\" \"${BUILD_DATE}\"", "\"${BUILD_DATE}\" \"${COMMIT}\"", "publish:" },
        { "org.opencontainers.image.revision=\"${COMMIT}\"", "org.opencontainers.image.revision=\"main\"", "labels:" },
        { "COPY FunctionsSelfHost/FunctionsSelfHost.csproj FunctionsSelfHost/\n", "", "projects:" },
        { "COPY FunctionsSelfHost/ FunctionsSelfHost/\n", "", "projects:" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void Each_invariant_catches_its_own_mistake(string original, string broken, string rule)
    {
        Assert.Contains(original, Text);
        var dockerfile = Dockerfile.Parse(Text.Replace(original, broken));
        Assert.Contains(DockerfileRules.Check(dockerfile, Script, AssemblyName), v => v.StartsWith(rule, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("-p:PublishAot=true", "-p:PublishAot=false")]
    [InlineData("-p:StripSymbols=true", "")]
    [InlineData("-p:CopyOutputSymbolsToPublishDirectory=false", "")]
    [InlineData("-p:InvariantGlobalization=true", "")]
    [InlineData("-c Release", "-c Debug")]
    [InlineData("-p:ScoutCommit=\"$commit\"", "")]
    [InlineData("commit=${3:-", "commit=${4:-")]
    public void The_publish_rule_catches_a_script_that_drifts_from_the_image(string original, string broken)
    {
        Assert.Contains(original, Script);
        var violations = DockerfileRules.Check(Dockerfile.Parse(Text), Script.Replace(original, broken), AssemblyName);
        Assert.Contains(violations, v => v.StartsWith("publish:", StringComparison.Ordinal));
    }

    [Fact]
    public void The_build_arguments_the_script_sets_are_the_ones_health_reports()
    {
        // BuildInfo reads AssemblyMetadata ScoutCommit/ScoutBuildDate and the informational version.
        Assert.Matches("<AssemblyMetadata Include=\"ScoutCommit\" Value=\"\\$\\(ScoutCommit\\)\" />", Project);
        Assert.Matches("<AssemblyMetadata Include=\"ScoutBuildDate\" Value=\"\\$\\(ScoutBuildDate\\)\" />", Project);
        Assert.Matches("<Version Condition=\"'\\$\\(Version\\)' == ''\">", Project);
    }

    [Fact]
    public void The_build_context_leaves_out_build_outputs_and_local_secrets()
    {
        var ignored = RepositoryFiles.Read(".dockerignore").Split('\n').Select(l => l.Trim()).ToHashSet();
        Assert.Contains("local.settings.json", ignored);
        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        Assert.Contains("**/node_modules/", ignored);
        // Everything the build stage copies must exist and must not be ignored.
        var dockerfile = Dockerfile.Parse(Text);
        foreach (var copy in dockerfile.Stages[0].All("COPY"))
        {
            var sources = Regex.Split(copy.Arguments, @"\s+").Where(p => !p.StartsWith("--")).SkipLast(1);
            foreach (var source in sources)
            {
                Assert.True(File.Exists(RepositoryFiles.PathOf(source)) || Directory.Exists(RepositoryFiles.PathOf(source)), $"COPY source {source} is missing");
                Assert.DoesNotContain(ignored, i => i.Length > 0 && !i.StartsWith('#') && !i.StartsWith("**") && source.TrimEnd('/').Equals(i.TrimEnd('/'), StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void The_parser_joins_continuations_and_skips_comments()
    {
        var parsed = Dockerfile.Parse("# syntax=docker/dockerfile:1\nARG BASE=x\nFROM a:1.2.3 AS one\nENV A=1 \\\n    # note\n    B=\"two words\"\nFROM one\nUSER app\n");
        Assert.Single(parsed.GlobalArgs);
        Assert.Equal(["a:1.2.3", "one"], parsed.Stages.Select(s => s.Image));
        Assert.Equal("one", parsed.Stages[0].Alias);
        var env = Assert.Single(parsed.Stages[0].All("ENV"));
        Assert.Equal(new Dictionary<string, string> { ["A"] = "1", ["B"] = "two words" }, Dockerfile.Pairs(env));
        Assert.Equal("app", parsed.Final.Last("USER")!.Arguments);
    }
}
