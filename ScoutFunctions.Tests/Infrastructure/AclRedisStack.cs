using System.Diagnostics;
using StackExchange.Redis;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// A Redis Stack of its own (Debian's redis-server with the modules of shared/redis-stack) whose default user has a
/// password only the test knows, and Scout's user created with the documented ACL (<see cref="DocumentedAcl"/>).
/// Owned, so users and the default index name `messages` are safe to use; stopped on dispose, also after a failed start.
/// </summary>
public sealed class AclRedisStack : IAsyncDisposable
{
    public const string AdminPassword = "admin-pass-0e5b77";

    /// <summary>Scout's password: a test asserts it never appears in a log line.</summary>
    public const string ScoutPassword = "scout-pass-4a9d31";

    private readonly Process _process;
    private readonly string _directory;

    private AclRedisStack(Process process, string directory, int port, ConnectionMultiplexer admin)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Admin = admin;
    }

    public int Port { get; }

    /// <summary>The test's own connection as the default user: seeds data, reads ACL LOG.</summary>
    public ConnectionMultiplexer Admin { get; }

    public IDatabase Database => Admin.GetDatabase();

    public static string? Unavailable => RedisStackFixture.FindModules("redisearch.so") is null ? RedisStackFixture.HowToGetOne : null;

    public static string[] ModuleArguments()
    {
        var modules = RedisStackFixture.FindModules("redisearch.so") ?? throw new InvalidOperationException(RedisStackFixture.HowToGetOne);
        return ["--loadmodule", Path.Combine(modules, "rejson.so"), "--loadmodule", Path.Combine(modules, "redisearch.so")];
    }

    public static async Task<AclRedisStack> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("scout-redis-acl-").FullName;
        var port = FreePort.Next();
        var process = await ServerProcess.StartAsync(RedisServerFixture.FindBinary(),
            ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory,
                "--requirepass", AdminPassword, .. ModuleArguments()],
            port, TimeSpan.FromSeconds(10));
        try
        {
            var admin = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},password={AdminPassword},allowAdmin=true");
            await DocumentedAcl.ApplyAsync(admin.GetDatabase(), ScoutPassword);
            await admin.GetDatabase().ExecuteAsync("ACL", "LOG", "RESET");
            return new AclRedisStack(process, directory, port, admin);
        }
        catch
        {
            await ServerProcess.StopAsync(process);
            throw;
        }
    }

    /// <summary>Scout's settings for this server: its ACL user and password.</summary>
    public (string Key, string? Value)[] ScoutSettings() =>
        [("REDIS_USERNAME", DocumentedAcl.User), ("REDIS_PASSWORD", ScoutPassword)];

    /// <summary>The ACL LOG entries (denials) as "reason command/key by user" lines.</summary>
    public async Task<IReadOnlyList<string>> DenialsAsync()
    {
        var log = (RedisResult[])(await Database.ExecuteAsync("ACL", "LOG"))!;
        return log.Select(entry =>
        {
            var fields = ((RedisResult[])entry!).Chunk(2).ToDictionary(p => p[0].ToString(), p => p[1].ToString());
            return $"{fields["reason"]} {fields["object"]} by {fields["username"]} ({fields["context"]})";
        }).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync();
        await ServerProcess.StopAsync(_process);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
