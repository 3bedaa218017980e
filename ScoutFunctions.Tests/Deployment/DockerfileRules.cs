using System.Text.RegularExpressions;

namespace Scout.Tests.Deployment;

/// <summary>
/// The image's invariants, checked on the Dockerfile's text: each rule returns what it found wrong, so the
/// tests can show both that the real Dockerfile passes and that each rule catches its own mistake.
/// </summary>
public static class DockerfileRules
{
    public const string PublishScript = "scripts/publish.sh";
    public const string PublishOutput = "/app";
    private static readonly string[] SecretWords = ["TOKEN", "PASSWORD", "SECRET"];
    private static readonly string[] BuildArgs = ["VERSION", "COMMIT", "BUILD_DATE"];

    /// <summary>Every violation, as "rule: detail".</summary>
    public static List<string> Check(Dockerfile dockerfile, string publishScript, string assemblyName)
    {
        var violations = new List<string>();
        violations.AddRange(NonRootUser(dockerfile));
        violations.AddRange(Port(dockerfile));
        violations.AddRange(PinnedBaseImages(dockerfile));
        violations.AddRange(NoSecrets(dockerfile));
        violations.AddRange(Entrypoint(dockerfile, assemblyName));
        violations.AddRange(Publish(dockerfile, publishScript));
        violations.AddRange(Labels(dockerfile));
        violations.AddRange(ProjectsCopied(dockerfile));
        return violations;
    }

    /// <summary>
    /// ScoutFunctions and every project it references (FunctionsSelfHost) are copied into the build stage: each project
    /// file before the restore (the first RUN that restores: its own layer), each folder afterwards.
    /// The image cannot be built here to find out.
    /// </summary>
    public static IEnumerable<string> ProjectsCopied(Dockerfile dockerfile)
    {
        var build = dockerfile.Stages[0];
        var copies = build.Instructions.Select((instruction, index) => (instruction, index)).Where(i => i.instruction.Keyword == "COPY").ToList();
        var restore = build.Instructions.Select((instruction, index) => (instruction, index))
            .FirstOrDefault(i => i.instruction.Keyword == "RUN" && i.instruction.Arguments.Contains("restore", StringComparison.Ordinal));
        if (restore.instruction is null)
        {
            yield return "projects: the build stage has no RUN that restores (the restore layer)";
            yield break;
        }
        var firstRun = restore.index;
        foreach (var project in ProjectClosure("ScoutFunctions/ScoutFunctions.csproj"))
        {
            var folder = Path.GetDirectoryName(project)! + "/";
            if (!copies.Any(c => c.index < firstRun && c.instruction.Arguments.Split(' ').Contains(project)))
                yield return $"projects: {project} is not copied before the restore";
            if (!copies.Any(c => c.instruction.Arguments.StartsWith(folder + " ", StringComparison.Ordinal)))
                yield return $"projects: {folder} is not copied";
        }
    }

    /// <summary>A project and every project it references, transitively, as repository paths.</summary>
    public static List<string> ProjectClosure(string project)
    {
        var found = new List<string>();
        var pending = new Queue<string>([project]);
        while (pending.TryDequeue(out var next))
        {
            if (found.Contains(next)) continue;
            found.Add(next);
            foreach (Match reference in Regex.Matches(RepositoryFiles.Read(next), "<ProjectReference Include=\"([^\"]+)\""))
                pending.Enqueue(Path.GetRelativePath(RepositoryFiles.PathOf("."),
                    Path.GetFullPath(Path.Combine(Path.GetDirectoryName(RepositoryFiles.PathOf(next))!, reference.Groups[1].Value.Replace('\\', '/')))));
        }
        return found;
    }

    public static IEnumerable<string> NonRootUser(Dockerfile dockerfile)
    {
        var user = dockerfile.Final.Last("USER");
        if (user is null)
        {
            yield return "non-root: the final stage sets no USER (the base image's user would apply)";
            yield break;
        }
        var name = user.Arguments.Split(':')[0].Trim();
        if (name is "root" or "0" or "") yield return $"non-root: USER {user.Arguments} runs as root";
    }

    public static IEnumerable<string> Port(Dockerfile dockerfile)
    {
        var exposed = dockerfile.Final.All("EXPOSE").SelectMany(e => Regex.Split(e.Arguments, @"\s+")).Select(p => p.Split('/')[0]);
        if (!exposed.Contains("8080")) yield return "port: the final stage does not EXPOSE 8080";
        var port = dockerfile.Final.All("ENV").Select(Dockerfile.Pairs).Select(p => p.GetValueOrDefault("PORT")).LastOrDefault(v => v is not null);
        if (port != "8080") yield return $"port: ENV PORT is {port ?? "unset"}, expected 8080";
    }

    public static IEnumerable<string> PinnedBaseImages(Dockerfile dockerfile)
    {
        var aliases = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in dockerfile.Stages)
        {
            var image = stage.Image;
            if (!aliases.Contains(image))
            {
                if (image.Contains('$')) yield return $"pinned: FROM {image} takes its image from a variable";
                else if (image.Contains("@sha256:")) { }
                else
                {
                    var name = image[(image.LastIndexOf('/') + 1)..];
                    var tag = name.Contains(':') ? name[(name.IndexOf(':') + 1)..] : null;
                    if (tag is null) yield return $"pinned: FROM {image} has no tag (means latest)";
                    else if (tag.Equals("latest", StringComparison.OrdinalIgnoreCase)) yield return $"pinned: FROM {image} uses latest";
                    else if (!Regex.IsMatch(tag, @"^\d+\.\d+\.\d+")) yield return $"pinned: FROM {image} floats (tag without a patch version)";
                }
            }
            if (stage.Alias is not null) aliases.Add(stage.Alias);
        }
    }

    public static IEnumerable<string> NoSecrets(Dockerfile dockerfile)
    {
        // Build args and ENV are visible in the image's history and config: secrets never go there.
        foreach (var instruction in dockerfile.Instructions.Where(i => i.Keyword is "ARG" or "ENV"))
            foreach (var name in Dockerfile.DeclaredNames(instruction))
                if (SecretWords.Any(w => name.Contains(w, StringComparison.OrdinalIgnoreCase)))
                    yield return $"secrets: {instruction.Keyword} {name} (line {instruction.Line}) would bake a secret into the image";
    }

    public static IEnumerable<string> Entrypoint(Dockerfile dockerfile, string assemblyName)
    {
        // The self-contained output starts through its apphost, by absolute path: the image has no dotnet executable.
        var entrypoint = dockerfile.Final.Last("ENTRYPOINT");
        var exec = entrypoint?.ExecForm();
        var workdir = dockerfile.Final.Last("WORKDIR")?.Arguments;
        var apphost = $"{workdir?.TrimEnd('/')}/{assemblyName}";
        if (exec is null || !exec.SequenceEqual([apphost]))
            yield return $"entrypoint: expected exec form [\"{apphost}\"] (the apphost in WORKDIR), found {entrypoint?.Arguments ?? "none"}";
        if (dockerfile.Final.Last("CMD") is not null) yield return "entrypoint: a CMD would append arguments to the service";
        var copy = dockerfile.Final.All("COPY").FirstOrDefault(c => c.Arguments.Contains("--from=", StringComparison.Ordinal));
        var parts = copy is null ? [] : Regex.Split(copy.Arguments, @"\s+").Where(p => !p.StartsWith("--")).ToArray();
        if (copy is null || parts.Length != 2 || parts[0].TrimEnd('/') != PublishOutput || !(parts[1] is "./" or "." || parts[1].TrimEnd('/') == workdir))
            yield return $"entrypoint: the final stage must copy the publish output {PublishOutput} into its WORKDIR ({workdir ?? "unset"})";
    }

    public static IEnumerable<string> Publish(Dockerfile dockerfile, string publishScript)
    {
        var runs = dockerfile.Instructions.Where(i => i.Keyword == "RUN").ToList();
        if (runs.Any(r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal)))
            yield return $"publish: the Dockerfile runs dotnet publish itself instead of {PublishScript}";
        var publishing = runs.Where(r => r.Arguments.Contains(PublishScript, StringComparison.Ordinal) && !r.Arguments.Contains("--restore-only")).ToList();
        string[] expected = ["bash", PublishScript, PublishOutput, .. BuildArgs.Select(a => $"\"${{{a}}}\"")];
        if (publishing.Count != 1 || !Regex.Split(publishing[0].Arguments, @"\s+").SequenceEqual(expected))
            yield return $"publish: expected one RUN {string.Join(' ', expected)}, found {publishing.Count}: {string.Join(" | ", publishing.Select(p => p.Arguments))}";
        var build = dockerfile.Stages.FirstOrDefault(s => s.Instructions.Any(i => publishing.Contains(i)));
        foreach (var arg in BuildArgs)
            if (build is not null && !build.All("ARG").Any(a => Dockerfile.DeclaredNames(a).Contains(arg)))
                yield return $"publish: build arg {arg} is not declared in the publishing stage";

        // The script: native AOT (fast cold start, small footprint) without its 100 MB of symbols, and build args that
        // become /health's fields. The publishing stage has the native toolchain AOT links with.
        foreach (var required in new[] { "dotnet publish \"$project\" -c Release", "-p:PublishAot=true", "-p:InvariantGlobalization=true", "-p:StripSymbols=true", "-p:CopyOutputSymbolsToPublishDirectory=false" })
            if (!publishScript.Contains(required, StringComparison.Ordinal)) yield return $"publish: {PublishScript} lacks {required}";
        if (build is not null && !build.All("RUN").Any(r => r.Arguments.Contains("apt-get install", StringComparison.Ordinal)
                && r.Arguments.Contains("clang", StringComparison.Ordinal) && r.Arguments.Contains("zlib1g-dev", StringComparison.Ordinal)))
            yield return "publish: the publishing stage does not install clang and zlib1g-dev, which native AOT links with";
        foreach (var (position, variable, property) in new[] { (2, "version", "Version"), (3, "commit", "ScoutCommit"), (4, "build_date", "ScoutBuildDate") })
            if (!publishScript.Contains($"{variable}=${{{position}:-", StringComparison.Ordinal) || !publishScript.Contains($"-p:{property}=\"${variable}\"", StringComparison.Ordinal))
                yield return $"publish: {PublishScript} does not pass argument {position} as -p:{property}";
    }

    public static IEnumerable<string> Labels(Dockerfile dockerfile)
    {
        var labels = dockerfile.Final.All("LABEL").SelectMany(Dockerfile.Pairs).ToDictionary(p => p.Key, p => p.Value);
        foreach (var (label, arg) in new[] { ("version", "VERSION"), ("revision", "COMMIT"), ("created", "BUILD_DATE") })
        {
            if (labels.GetValueOrDefault("org.opencontainers.image." + label) != $"${{{arg}}}")
                yield return $"labels: org.opencontainers.image.{label} must be ${{{arg}}}";
            if (!dockerfile.Final.All("ARG").Any(a => Dockerfile.DeclaredNames(a).Contains(arg)))
                yield return $"labels: build arg {arg} is not declared in the final stage, so its label would be empty";
        }
        if (!labels.TryGetValue("org.opencontainers.image.source", out var source) || !source.StartsWith("https://", StringComparison.Ordinal))
            yield return "labels: org.opencontainers.image.source must name the repository";
    }
}
