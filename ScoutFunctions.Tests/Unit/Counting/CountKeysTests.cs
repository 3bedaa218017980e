using Scout.Counting;

namespace Scout.Tests.Unit.Counting;

public sealed class CountKeysTests
{
    [Fact]
    public void Records_spread_evenly_over_the_shards_and_a_key_always_lands_in_the_same_one()
    {
        var keys = new CountKeys(3);
        var documents = Enumerable.Range(0, 64_000).Select(i => $"{Guid.NewGuid()}-system-{i % 60:D2}").ToList();
        var perShard = documents.GroupBy(keys.Records).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(CountKeys.RecordShards, perShard.Count);
        Assert.All(perShard.Values, n => Assert.InRange(n, 800, 1200)); // 1,000 expected; XXH3 is uniform
        Assert.Equal(keys.AllRecords.Order(), perShard.Keys.Order());
        Assert.All(documents.Take(100), d => Assert.Equal(keys.Records(d), new CountKeys(3).Records(d)));
        Assert.All(keys.AllRecords, k => Assert.StartsWith("{scout}:count:3:keys:", k));
    }

    [Fact]
    public void The_shard_of_a_key_is_stable_across_releases()
    {
        // Records written by one version are read by the next: changing the hash would orphan every record.
        // The expected shards are XXH3-64 (seed 0) mod 64 as Debian's `xxhsum -H3` computes them: 89eb7bda68d541ce, 496efa296f872308.
        Assert.Equal("{scout}:count:1:keys:" + CountKeys.ShardOf("a1b2c3-api"), new CountKeys(1).Records("a1b2c3-api"));
        Assert.Equal([CountKeys.ShardOf("a1b2c3-api"), CountKeys.ShardOf("messages:x-web")], [KnownShards.A, KnownShards.B]);
    }

    private static class KnownShards
    {
        public const int A = (int)(0x89eb7bda68d541ceUL % 64);
        public const int B = (int)(0x496efa296f872308UL % 64);
    }
}
