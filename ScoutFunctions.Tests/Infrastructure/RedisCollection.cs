namespace Scout.Tests.Infrastructure;

/// <summary>Shares one redis-server between the test classes of a collection.</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "redis";
}
