using FunctionsSelfHost.Timers;
using Microsoft.Extensions.Options;
using Scout.Configuration;
using StackExchange.Redis;

namespace Scout.Redis;

/// <summary>
/// A Redis failure as an operator reads it: the address tried and the cause in one short line
/// ("redis 10.0.0.5:6379 unreachable: Connection refused"), without the client's internals (mc:, IOCP:, POOL:, v:)
/// that StackExchange.Redis appends to its messages. Any other error keeps its own message.
/// </summary>
public sealed class RedisFailure(IOptions<ScoutOptions> options, RedisConnection redis) : IFailureDescriber
{
    /// <summary>Why Redis refused a connection that presented no client certificate.</summary>
    public const string ClientCertificateRequired = "TLS: Redis requires a client certificate (set REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE)";

    public string Address => $"{options.Value.RedisAddr}:{options.Value.RedisPort}";

    public string Describe(Exception error) => Describe(error, Address, redis.Refusal);

    /// <param name="refusal">Why Redis last refused a connection (TLS or login), for when the error itself only says "cancelled".</param>
    public static string Describe(Exception error, string address, string? refusal = null)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case ShardUnavailableException:
                    return e.Message;
                case RedisConnectionException connection:
                    return $"redis {address} unreachable: {Refusal(error) ?? refusal ?? Cause(connection)}";
                case RedisTimeoutException:
                    return $"redis {address} did not answer in time";
            }
        }
        return error.Message;
    }

    /// <summary>
    /// Why Redis refused the connection, when the error says: its answer to a login (NOAUTH, WRONGPASS; they name no
    /// secret) or a TLS alert it sent (a client certificate required or refused). Null for any other failure.
    /// </summary>
    public static string? Refusal(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            var message = e.Message;
            if (message.Contains("NOAUTH", StringComparison.Ordinal) || message.Contains("WRONGPASS", StringComparison.Ordinal))
                return "login refused (REDIS_USERNAME/REDIS_PASSWORD): " + message.Replace("SimpleError: ", "");
            if (message.Contains("alert certificate required", StringComparison.Ordinal))
                return ClientCertificateRequired;
            if (message.Contains("SSL routines", StringComparison.Ordinal))
                return "TLS: Redis refused the connection (" + message + ")";
        }
        return null;
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
