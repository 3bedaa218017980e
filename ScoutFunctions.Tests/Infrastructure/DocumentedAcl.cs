using Scout.Tests.Deployment;
using StackExchange.Redis;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// Scout's least-privilege ACL exactly as README.md shows it (the one fenced line after the scout-acl marker: Redis 8's,
/// or Redis Stack's for RediSearch 2.x), so the tests run against the documented grants and nothing else; only the
/// placeholder password is replaced.
/// </summary>
public static class DocumentedAcl
{
    public const string User = "scout";
    private const string Redis8Marker = "<!-- scout-acl-redis8:";
    private const string RedisStackMarker = "<!-- scout-acl:";
    private const string Placeholder = ">CHANGE-ME";

    /// <summary>The line for the engine the tests start (<see cref="StackEngine"/>).</summary>
    public static string Line => LineFor(redis8: StackEngine.Current?.IsRedis8 ?? false);

    public static string LineFor(bool redis8)
    {
        var lines = RepositoryFiles.Read("README.md").Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var name = redis8 ? Redis8Marker : RedisStackMarker;
        var marker = lines.FindIndex(l => l.StartsWith(name, StringComparison.Ordinal));
        Assert.True(marker >= 0, $"README.md has no {name} block");
        Assert.StartsWith("```", lines[marker + 1]);
        Assert.StartsWith("```", lines[marker + 3]);
        return lines[marker + 2];
    }

    /// <summary>Creates (or resets) the user with the documented grants and the given password.</summary>
    public static async Task ApplyAsync(IDatabase admin, string password)
    {
        var words = Line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["ACL", "SETUSER", User], words[..3]);
        Assert.Single(words, w => w == Placeholder);
        var arguments = words[1..].Select(w => w == Placeholder ? ">" + password : w).ToArray<object>();
        Assert.Equal("OK", (await admin.ExecuteAsync("ACL", arguments)).ToString());
    }
}
