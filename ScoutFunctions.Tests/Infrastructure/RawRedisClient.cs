using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// Sends one command at a time over a plain socket and returns the first line of the reply, so a test sees what the
/// server answers to any command, including those a client library refuses to send itself (KEYS, MONITOR, SUBSCRIBE).
/// </summary>
public sealed class RawRedisClient : IAsyncDisposable
{
    private readonly TcpClient _client = new();
    private NetworkStream _stream = null!;
    private StreamReader _reader = null!;

    public static async Task<RawRedisClient> ConnectAsync(int port)
    {
        var client = new RawRedisClient();
        await client._client.ConnectAsync(IPAddress.Loopback, port);
        client._stream = client._client.GetStream();
        client._reader = new StreamReader(client._stream, Encoding.UTF8);
        return client;
    }

    /// <summary>The reply's first line: "+OK", "-NOPERM …", ":1", "$5", "*3".</summary>
    public async Task<string> SendAsync(params string[] command)
    {
        var request = new StringBuilder($"*{command.Length}\r\n");
        foreach (var part in command) request.Append($"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var line = await _reader.ReadLineAsync(timeout.Token) ?? throw new IOException("the server closed the connection");
        // Skip a bulk string's or an array's body: the next command must read its own reply.
        if (line.StartsWith('$') && int.Parse(line[1..]) >= 0) await _reader.ReadLineAsync(timeout.Token);
        return line;
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
