using System.Diagnostics;
using StackExchange.Redis;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// A redis-server a test starts for itself with its own arguments (TLS, modules, a default-user password), with the
/// test's admin connection. Stopped on dispose; a start that fails after the process is up stops it too.
/// </summary>
public sealed class OwnedRedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private OwnedRedisServer(Process process, string directory, int port, ConnectionMultiplexer admin)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Admin = admin;
    }

    public int Port { get; }

    /// <summary>The test's own connection as the default user: sets up users, seeds data, reads ACL LOG.</summary>
    public ConnectionMultiplexer Admin { get; }

    public IDatabase Database => Admin.GetDatabase();

    /// <param name="arguments">Given the free port, the server's arguments beyond its folder and no persistence.</param>
    /// <param name="admin">Given the port, how the test connects.</param>
    /// <param name="prepare">Run on the admin connection before the server is handed out (users, for example).</param>
    public static async Task<OwnedRedisServer> StartAsync(Func<int, IEnumerable<string>> arguments, Func<int, ConfigurationOptions> admin,
        Func<IDatabase, Task>? prepare = null, string? binary = null)
    {
        var directory = Directory.CreateTempSubdirectory("scout-redis-own-").FullName;
        var port = FreePort.Next();
        var process = await ServerProcess.StartAsync(binary ?? RedisServerFixture.FindBinary(),
            [.. RedisServerFixture.Isolated(directory, persistent: false), .. arguments(port)], port, TimeSpan.FromSeconds(10));
        try
        {
            var connection = await ConnectionMultiplexer.ConnectAsync(admin(port));
            if (!connection.IsConnected) throw new InvalidOperationException($"the test could not connect to its own redis-server on {port}");
            if (prepare is not null) await prepare(connection.GetDatabase());
            return new OwnedRedisServer(process, directory, port, connection);
        }
        catch
        {
            await ServerProcess.StopAsync(process);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync();
        await ServerProcess.StopAsync(_process);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
