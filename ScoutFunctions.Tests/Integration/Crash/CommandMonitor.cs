using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Scout.Tests.Integration.Crash;

/// <summary>A command as MONITOR showed it: the address of the client that sent it and its words, the name first.</summary>
public sealed record MonitoredCommand(string Address, IReadOnlyList<string> Words)
{
    public string Name => Words[0].ToUpperInvariant();

    public override string ToString() => string.Join(' ', Words.Take(6)) + (Words.Count > 6 ? $" … ({Words.Count} words)" : "");
}

/// <summary>
/// Redis's MONITOR on a socket of its own: every command the server runs, in the order it runs them, with the address
/// of the client that sent it. Reads (and WATCH, MULTI) go on while CLIENT PAUSE WRITE holds writes back, so it shows
/// what a client did up to the write it is held at; a write queued after MULTI is shown only when EXEC runs it.
/// </summary>
public sealed partial class CommandMonitor : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly ConcurrentQueue<MonitoredCommand> _commands = new();
    private readonly Task _reading;

    private CommandMonitor(TcpClient client, StreamReader reader)
    {
        _client = client;
        _reading = Task.Run(async () =>
        {
            try
            {
                while (await reader.ReadLineAsync() is { } line)
                    if (Parse(line) is { } command) _commands.Enqueue(command);
            }
            catch (Exception error) when (error is IOException or ObjectDisposedException or SocketException)
            {
                // Disposed: the socket is closed under the read.
            }
        });
    }

    /// <summary>Connects as the default user with <paramref name="password"/> and starts monitoring.</summary>
    public static async Task<CommandMonitor> StartAsync(int port, string password)
    {
        var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.UTF8);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            foreach (var command in new[] { new[] { "AUTH", password }, ["MONITOR"] })
            {
                var request = new StringBuilder($"*{command.Length}\r\n");
                foreach (var part in command) request.Append($"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
                await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), timeout.Token);
                var reply = await reader.ReadLineAsync(timeout.Token);
                if (reply != "+OK") throw new InvalidOperationException($"{command[0]} answered {reply}");
            }
            return new CommandMonitor(client, reader);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>What the client at <paramref name="address"/> (CLIENT LIST's addr) ran so far, oldest first.</summary>
    public IReadOnlyList<MonitoredCommand> Of(string address) => _commands.Where(c => c.Address == address).ToList();

    // +1796671984.739476 [0 127.0.0.1:48776] "WATCH" "k"
    [GeneratedRegex(@"^\+\d+\.\d+ \[\d+ (?<address>[^\]]+)\] (?<words>.*)$")]
    private static partial Regex Line();

    [GeneratedRegex(@"""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Word();

    private static MonitoredCommand? Parse(string line)
    {
        var match = Line().Match(line);
        if (!match.Success) return null;
        var words = Word().Matches(match.Groups["words"].Value).Select(w => w.Groups[1].Value.Replace("\\\"", "\"").Replace("\\\\", "\\")).ToList();
        return words.Count == 0 ? null : new MonitoredCommand(match.Groups["address"].Value, words);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _reading;
    }
}
