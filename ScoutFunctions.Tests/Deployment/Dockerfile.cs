using System.Text.Json;
using System.Text.RegularExpressions;

namespace Scout.Tests.Deployment;

/// <summary>One instruction of a Dockerfile: keyword upper-cased, arguments with continuations joined.</summary>
public sealed record DockerInstruction(string Keyword, string Arguments, int Line)
{
    /// <summary>The JSON (exec) form's items, or null for the shell form.</summary>
    public IReadOnlyList<string>? ExecForm()
    {
        if (!Arguments.StartsWith('[')) return null;
        try
        {
            return JsonSerializer.Deserialize<List<string>>(Arguments);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A build stage: its FROM image, its alias and the instructions up to the next FROM.</summary>
public sealed record DockerStage(string Image, string? Alias, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    public DockerInstruction? Last(string keyword) => All(keyword).LastOrDefault();
}

/// <summary>
/// Just enough of the Dockerfile grammar for the image's invariants: comments, parser directives,
/// backslash continuations, stages. Not a general parser (no heredocs, no escape directive).
/// </summary>
public sealed class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerInstruction> instructions)
    {
        Instructions = instructions;
        var stages = new List<DockerStage>();
        var globalArgs = new List<DockerInstruction>();
        foreach (var instruction in instructions)
        {
            if (instruction.Keyword == "FROM")
            {
                var parts = Regex.Split(instruction.Arguments, @"\s+").Where(p => !p.StartsWith("--")).ToArray();
                var alias = parts.Length >= 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null;
                stages.Add(new DockerStage(parts[0], alias, []));
            }
            else if (stages.Count == 0)
            {
                globalArgs.Add(instruction);
            }
            else
            {
                var last = stages[^1];
                stages[^1] = last with { Instructions = [.. last.Instructions, instruction] };
            }
        }
        Stages = stages;
        GlobalArgs = globalArgs;
    }

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    public IReadOnlyList<DockerStage> Stages { get; }

    /// <summary>ARGs before the first FROM (usable in FROM lines only).</summary>
    public IReadOnlyList<DockerInstruction> GlobalArgs { get; }

    /// <summary>The stage that becomes the image.</summary>
    public DockerStage Final => Stages[^1];

    public static Dockerfile Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        string? pending = null;
        var start = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            // Comment lines (and parser directives) are dropped, also inside a continued instruction.
            if (trimmed.StartsWith('#')) continue;
            if (pending is null)
            {
                if (trimmed.Length == 0) continue;
                pending = "";
                start = i + 1;
            }
            if (trimmed.EndsWith('\\'))
            {
                pending += trimmed[..^1].TrimEnd() + " ";
                continue;
            }
            pending += trimmed;
            var match = Regex.Match(pending.Trim(), @"^(\S+)\s*(.*)$", RegexOptions.Singleline);
            instructions.Add(new DockerInstruction(match.Groups[1].Value.ToUpperInvariant(), match.Groups[2].Value.Trim(), start));
            pending = null;
        }
        if (pending is not null) throw new FormatException($"instruction at line {start} ends with a line continuation");
        return new Dockerfile(instructions);
    }

    /// <summary>Names declared by ARG or ENV (both "K=V K2=V2" and the legacy "K V" forms).</summary>
    public static IEnumerable<string> DeclaredNames(DockerInstruction instruction)
    {
        if (instruction.Keyword == "ARG") return [instruction.Arguments.Split('=', 2)[0].Trim()];
        if (instruction.Keyword != "ENV") return [];
        if (!instruction.Arguments.Contains('=')) return [Regex.Split(instruction.Arguments, @"\s+")[0]];
        return Regex.Matches(instruction.Arguments, @"(?:^|\s)([A-Za-z_][A-Za-z0-9_.]*)=").Select(m => m.Groups[1].Value);
    }

    /// <summary>"K=V" pairs of an ENV or LABEL instruction, quotes removed.</summary>
    public static IReadOnlyDictionary<string, string> Pairs(DockerInstruction instruction) =>
        Regex.Matches(instruction.Arguments, "([A-Za-z0-9_.\\-]+)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S+)")
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim('"'));
}
