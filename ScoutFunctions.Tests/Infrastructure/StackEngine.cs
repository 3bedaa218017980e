using System.Diagnostics;
using System.Text.RegularExpressions;
using TestFixtures;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// A Redis with the query engine and JSON that the fixtures can start themselves: a redis-server and the folder of
/// its modules. Found in this order:
/// <list type="number">
/// <item>SCOUT_TEST_REDIS_STACK_MODULES=&lt;folder with rejson.so and redisearch.so&gt; (its server as below);</item>
/// <item>Redis 8 as its official image lays it out: /usr/local/bin/redis-server, modules in /usr/local/lib/redis/modules;</item>
/// <item>Redis Stack: /opt/redis-stack/lib (where the redis-stack-server package installs them), with
/// /opt/redis-stack/bin/redis-server when present (RediSearch 2.8 and later need Redis 7.2), else Debian's.</item>
/// </list>
/// A cluster loads Redis Stack's coordinator (redisearch-coord.so); Redis 8's one redisearch.so coordinates by itself.
/// </summary>
public sealed record StackEngine(string Modules, string Server)
{
    public const string ModulesVariable = "SCOUT_TEST_REDIS_STACK_MODULES";

    /// <summary>Where Redis's own redis-stack-server package installs the modules (and its redis-server in ../bin).</summary>
    public const string RedisStackModules = "/opt/redis-stack/lib";

    /// <summary>Where the official redis:8.x image keeps its modules; its server is <see cref="Redis8Server"/>.</summary>
    public const string Redis8Modules = "/usr/local/lib/redis/modules";

    public const string Redis8Server = "/usr/local/bin/redis-server";

    public const string Coordinator = "redisearch-coord.so";

    private static readonly Lazy<StackEngine?> Found = new(Discover);

    /// <summary>The engine the tests use, or null when none is installed.</summary>
    public static StackEngine? Current => Found.Value;

    /// <summary>The server's major version, read from <c>redis-server --version</c> ("Redis server v=8.8.0 …").</summary>
    public int ServerMajor => _major.Value;

    private readonly Lazy<int> _major = new(() => ReadMajor(Server));

    /// <summary>Redis 8 and later: search and JSON are Redis's own; FT.* follow the keys the index covers (ACL).</summary>
    public bool IsRedis8 => ServerMajor >= 8;

    /// <summary>Whether a three-shard cluster can be started: Redis 8's module coordinates; Redis Stack needs its coordinator.</summary>
    public bool CanCluster => IsRedis8 || File.Exists(Path.Combine(Modules, Coordinator));

    /// <summary>The --loadmodule arguments of one node (<paramref name="cluster"/>: of a cluster's shard).</summary>
    public string[] ModuleArguments(bool cluster = false)
    {
        string[] json = ["--loadmodule", Path.Combine(Modules, "rejson.so")];
        if (!cluster || IsRedis8) return [.. json, "--loadmodule", Path.Combine(Modules, "redisearch.so")];
        return [.. json, "--loadmodule", Path.Combine(Modules, Coordinator), "PARTITIONS", "AUTO"];
    }

    public override string ToString() => $"{Server} with the modules in {Modules}";

    private static StackEngine? Discover()
    {
        var configured = Environment.GetEnvironmentVariable(ModulesVariable);
        if (!string.IsNullOrWhiteSpace(configured)) return HasModules(configured) ? new StackEngine(configured, ServerFor(configured)) : null;
        if (HasModules(Redis8Modules) && File.Exists(Redis8Server)) return new StackEngine(Redis8Modules, Redis8Server);
        return HasModules(RedisStackModules) ? new StackEngine(RedisStackModules, ServerFor(RedisStackModules)) : null;
    }

    /// <summary>The redis-server that goes with a modules folder: Redis 8's for its layout, ../bin/redis-server beside it, else Debian's.</summary>
    private static string ServerFor(string modules)
    {
        var folder = Path.GetFullPath(modules).TrimEnd('/');
        if (folder == Redis8Modules && File.Exists(Redis8Server)) return Redis8Server;
        var beside = Path.Combine(Path.GetDirectoryName(folder)!, "bin", "redis-server");
        return File.Exists(beside) ? beside : RedisServerFixture.FindBinary();
    }

    private static bool HasModules(string folder) =>
        File.Exists(Path.Combine(folder, "rejson.so")) && File.Exists(Path.Combine(folder, "redisearch.so"));

    private static int ReadMajor(string server)
    {
        using var process = Process.Start(new ProcessStartInfo(server, "--version") { RedirectStandardOutput = true })!;
        var version = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var match = Regex.Match(version, @"v=(\d+)\.");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"{server} --version printed no version: {version}");
    }
}
