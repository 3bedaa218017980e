using System.Net.Sockets;
using StackExchange.Redis;

namespace Scout.Samples.Producer;

/// <summary>Why a connection to Redis failed, in a few words for one line of stderr.</summary>
public static class ConnectFailure
{
    /// <summary>How long the diagnosis waits for a TCP connection before calling the address silent.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Redis's own answer when it gave one (WRONGPASS, NOAUTH); otherwise what a plain TCP connection to the address
    /// meets ("Connection refused", an unknown host), as the client's error for an unreachable server names no cause.
    /// </summary>
    public static async Task<string> CauseAsync(RedisConnectionException failed, string host, string port)
    {
        var innermost = failed.InnerException;
        while (innermost?.InnerException is not null) innermost = innermost.InnerException;
        if (innermost is not null) return OneLine(innermost.Message.Replace("SimpleError: ", "", StringComparison.Ordinal));
        if (!int.TryParse(port, out var portNumber)) return $"{failed.FailureType} (REDIS_PORT '{port}' is not a number)";
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(host, portNumber).WaitAsync(ProbeTimeout);
        }
        catch (SocketException refused)
        {
            return OneLine(refused.Message);
        }
        catch (TimeoutException)
        {
            return $"no answer within {ProbeTimeout.TotalSeconds:0} s";
        }
        return $"it accepts TCP connections but the Redis handshake failed ({failed.FailureType})";
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}
