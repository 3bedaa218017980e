using Microsoft.Extensions.Options;
using Scout.Configuration;
using StackExchange.Redis;

namespace Scout.Redis;

/// <summary>
/// A Redis failure as an operator reads it: the address tried and the cause in one short line
/// ("redis 10.0.0.5:6379 unreachable: Connection refused"), without the client's internals (mc:, IOCP:, POOL:, v:)
/// that StackExchange.Redis appends to its messages. Any other error keeps its own message.
/// </summary>
public sealed class RedisFailure(IOptions<ScoutOptions> options, RedisTlsTrust trust)
{
    public string Address => $"{options.Value.RedisAddr}:{options.Value.RedisPort}";

    public string Describe(Exception error) => Describe(error, Address, trust.Rejection);

    public static string Describe(Exception error, string address, string? tlsRejection = null)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case ShardUnavailableException:
                    return e.Message;
                case RedisConnectionException connection:
                    return $"redis {address} unreachable: {tlsRejection ?? Cause(connection)}";
                case RedisTimeoutException:
                    return $"redis {address} did not answer in time";
            }
        }
        return error.Message;
    }

    // "No connection is active/available to service this operation: GET key; Connection refused, mc: 1/1/0, …"
    private static string Cause(RedisConnectionException error)
    {
        var message = error.Message;
        var start = message.IndexOf("; ", StringComparison.Ordinal);
        var end = message.IndexOf(", mc:", StringComparison.Ordinal);
        if (start >= 0 && end > start) return message[(start + 2)..end];
        if (error.InnerException is { } inner) return inner.Message;
        return error.FailureType.ToString();
    }
}
