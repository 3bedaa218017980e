using Scout.Tests.Infrastructure;

namespace Scout.Tests.Contract;

/// <summary>
/// A test that needs a real Redis Stack (<see cref="RedisStackFixture"/>). Reported as skipped, with how to get one,
/// only when no modules folder (SCOUT_TEST_REDIS_STACK_MODULES, /opt/redis-stack/lib) nor SCOUT_TEST_REDIS_STACK is available.
/// </summary>
public sealed class RedisStackFactAttribute : FactAttribute
{
    public RedisStackFactAttribute() => Skip = RedisStackFixture.Unavailable;
}

/// <inheritdoc cref="RedisStackFactAttribute"/>
public sealed class RedisStackTheoryAttribute : TheoryAttribute
{
    public RedisStackTheoryAttribute() => Skip = RedisStackFixture.Unavailable;
}

/// <summary>
/// A test that needs the three-shard Redis Stack cluster (<see cref="RedisClusterFixture"/>). Reported as skipped, with
/// how to get one, only when the modules folder (rejson.so, redisearch-coord.so) is not available.
/// </summary>
public sealed class RedisClusterFactAttribute : FactAttribute
{
    public RedisClusterFactAttribute() => Skip = RedisClusterFixture.Unavailable;
}

/// <inheritdoc cref="RedisClusterFactAttribute"/>
public sealed class RedisClusterTheoryAttribute : TheoryAttribute
{
    public RedisClusterTheoryAttribute() => Skip = RedisClusterFixture.Unavailable;
}

/// <summary>
/// A test that starts its own Redis Stack from the modules folder (<see cref="AclRedisStack"/>), e.g. to create ACL users.
/// Reported as skipped, with how to get them, only when the modules folder is not available.
/// </summary>
public sealed class RedisStackModulesFactAttribute : FactAttribute
{
    public RedisStackModulesFactAttribute() => Skip = AclRedisStack.Unavailable;
}
