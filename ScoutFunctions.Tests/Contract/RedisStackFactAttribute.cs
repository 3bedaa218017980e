namespace Scout.Tests.Contract;

/// <summary>
/// A test that needs a live Redis Stack (RediSearch + RedisJSON), which cannot be installed here.
/// It runs when SCOUT_TEST_REDIS_STACK=host:port is set and is reported as skipped otherwise.
/// </summary>
public sealed class RedisStackFactAttribute : FactAttribute
{
    public const string Variable = "SCOUT_TEST_REDIS_STACK";

    public RedisStackFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable)))
            Skip = $"needs a live Redis Stack: set {Variable}=host:port to run the RediSearch contract suite";
    }
}
