using StackExchange.Redis;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// A Redis Stack of its own (redis-server with the modules <see cref="RedisStackFixture"/> finds) whose default user has a
/// password only the test knows, and Scout's user created with the documented ACL (<see cref="DocumentedAcl"/>).
/// Owned, so users and the default index name `messages` are safe to use.
/// </summary>
public static class AclRedisStack
{
    public const string AdminPassword = "admin-pass-0e5b77";

    /// <summary>Scout's password: a test asserts it never appears in a log line.</summary>
    public const string ScoutPassword = "scout-pass-4a9d31";

    /// <summary>Scout's settings for this server: its ACL user and password.</summary>
    public static readonly (string Key, string? Value)[] ScoutEnvironment =
        [("REDIS_USERNAME", DocumentedAcl.User), ("REDIS_PASSWORD", ScoutPassword)];

    public static string? Unavailable => StackEngine.Current is null ? RedisStackFixture.HowToGetOne : null;

    public static StackEngine Engine => StackEngine.Current ?? throw new InvalidOperationException(RedisStackFixture.HowToGetOne);

    public static string[] ModuleArguments() => Engine.ModuleArguments();

    public static Task<OwnedRedisServer> StartAsync() =>
        OwnedRedisServer.StartAsync(
            port => ["--port", port.ToString(), "--requirepass", AdminPassword, .. ModuleArguments()],
            port => ConfigurationOptions.Parse($"127.0.0.1:{port},password={AdminPassword},allowAdmin=true"),
            async admin =>
            {
                await DocumentedAcl.ApplyAsync(admin, ScoutPassword);
                await admin.ExecuteAsync("ACL", "LOG", "RESET");
            },
            Engine.Server);

    /// <summary>The ACL LOG entries (denials) as "reason object by user (context)" lines.</summary>
    public static async Task<IReadOnlyList<string>> DenialsAsync(this OwnedRedisServer server)
    {
        var log = (RedisResult[])(await server.Database.ExecuteAsync("ACL", "LOG"))!;
        return log.Select(entry =>
        {
            var fields = ((RedisResult[])entry!).Chunk(2).ToDictionary(p => p[0].ToString(), p => p[1].ToString());
            return $"{fields["reason"]} {fields["object"]} by {fields["username"]} ({fields["context"]})";
        }).ToList();
    }
}
