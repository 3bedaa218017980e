using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Scout.Configuration;
using Scout.Counting;
using Scout.Redis;
using Scout.Tests.Infrastructure;
using StackExchange.Redis;

namespace Scout.Tests.Integration.Analytics;

/// <summary>
/// What a cycle reads of the minutes' counts, over a real redis-server. The minutes a timeline is read from, held
/// between cycles: after random histories of writes by this process and by others, they equal a fresh read and a
/// recount of the documents; a read after one changed minute reads that minute alone; counts rebuilt from nothing are
/// read in full. A slide of the windows reads the minutes they leave, not the day between the shortest and the longest.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class MinuteReadsTests(RedisServerFixture redis) : IAsyncLifetime
{
    private static readonly string[] Windows = ["all", "24h"];
    private static readonly CountKeys Keys = new(1);
    private RedisConnection _connection = null!;
    private CountStore _store = null!;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    /// <summary>Every document's record as the writes left it: what a recount of the documents gives.</summary>
    private readonly Dictionary<string, MessageRecord> _documents = new(StringComparer.Ordinal);

    private long _version;

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        _connection = new RedisConnection(Options.Create(new ScoutOptions { RedisAddr = "127.0.0.1", RedisPort = redis.Port }));
        _store = new CountStore(_connection);
        await redis.Database.HashSetAsync(CountKeys.State, StateFields.Version, 0);
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    /// <summary>Writes one batch through the one write, conditioned on the version, as any replica's cycle does.</summary>
    private async Task WriteAsync(IEnumerable<RecordChange> batch, long fromMinute)
    {
        var changes = batch.ToList();
        var held = await _store.ReadHeldAsync(Keys, changes.Select(c => c.Key));
        var write = CountingModel.Apply(held, changes, new Dictionary<string, long> { ["24h"] = fromMinute });
        Assert.True(await _store.CommitAsync(new CountWrite(Keys, write, _version)));
        _version++;
        foreach (var change in changes)
            if (change.Record is { } record) _documents[change.Key] = record;
            else _documents.Remove(change.Key);
    }

    /// <summary>Each minute's messages by severity, from <paramref name="fromMinute"/> on.</summary>
    private Dictionary<long, Dictionary<string, long>> Recount(long fromMinute) => _documents.Values
        .Where(r => r.Minute >= fromMinute)
        .GroupBy(r => r.Minute!.Value)
        .ToDictionary(m => m.Key, m => m.GroupBy(r => r.Severity).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal));

    private static void AssertSameMinutes(IReadOnlyDictionary<long, Dictionary<string, long>> expected, WindowsAndMinutes read, string when)
    {
        var held = read.Minutes.Where(m => m.Value.Count > 0).ToDictionary(m => m.Key, m => m.Value);
        Assert.True(expected.Keys.Order().SequenceEqual(held.Keys.Order()),
            $"{when}: minutes {string.Join(",", held.Keys.Order())} instead of {string.Join(",", expected.Keys.Order())}");
        foreach (var (minute, groups) in expected)
            Assert.True(groups.OrderBy(g => g.Key).SequenceEqual(held[minute].OrderBy(g => g.Key)), $"{when}: minute {minute} differs");
    }

    [Fact]
    public async Task After_random_writes_by_this_process_and_others_the_minutes_held_equal_a_fresh_read_and_a_recount()
    {
        var reader = new MinuteCountsReader(_store, _time);
        var random = new Random(20261207);
        var now = MessageRecord.MinuteOf(DateTimeOffset.UtcNow);
        var fromMinute = now - 1440;
        for (var round = 0; round < 60; round++)
        {
            // 1 to 20 changes: new documents, moves to another minute or group, deletions; old minutes and future ones.
            var batch = Enumerable.Range(0, random.Next(1, 21)).Select(_ =>
            {
                var key = $"doc-{random.Next(80)}";
                return random.Next(5) == 0
                    ? new RecordChange(key, null)
                    : new RecordChange(key, new MessageRecord(now - random.Next(-3, 1500), $"sev{random.Next(3)}", $"sys{random.Next(4)}"));
            });
            await WriteAsync(batch, fromMinute);
            if (round % 4 != 3) continue;
            fromMinute += random.Next(0, 3); // the windows slide on
            var held = await reader.ReadAsync(Keys, Windows, fromMinute);
            Assert.True(held.Complete);
            Assert.Equal(_version, held.Version);
            var fresh = await new MinuteCountsReader(_store, _time).ReadAsync(Keys, Windows, fromMinute);
            AssertSameMinutes(Recount(fromMinute), fresh, $"round {round}, a fresh read");
            AssertSameMinutes(Recount(fromMinute), held, $"round {round}, the minutes held");
            Assert.Equal(fresh.Windows["all"].OrderBy(g => g.Group), held.Windows["all"].OrderBy(g => g.Group));
        }
    }

    [Fact]
    public async Task After_the_first_read_a_cycle_reads_only_the_minutes_that_changed()
    {
        var reader = new MinuteCountsReader(_store, _time);
        var now = MessageRecord.MinuteOf(DateTimeOffset.UtcNow);
        await WriteAsync(Enumerable.Range(0, 300).Select(i => new RecordChange($"doc-{i}", new MessageRecord(now - i, "error", "api"))), now - 1440);
        var first = await HashReadsAsync(() => reader.ReadAsync(Keys, Windows, now - 1440));
        Assert.Equal(Windows.Length + 300, first);

        await WriteAsync([new RecordChange("doc-new", new MessageRecord(now - 200, "info", "billing"))], now - 1440);
        var next = await HashReadsAsync(() => reader.ReadAsync(Keys, Windows, now - 1440));
        Assert.Equal(Windows.Length + 1, next);
        AssertSameMinutes(Recount(now - 1440), await reader.ReadAsync(Keys, Windows, now - 1440), "after one changed minute");

        // Nothing changed: the windows alone. After FullReadEvery: every minute again.
        Assert.Equal(Windows.Length, await HashReadsAsync(() => reader.ReadAsync(Keys, Windows, now - 1440)));
        _time.Advance(MinuteCountsReader.FullReadEvery);
        Assert.Equal(Windows.Length + 300, await HashReadsAsync(() => reader.ReadAsync(Keys, Windows, now - 1440)));
    }

    [Fact]
    public async Task Counts_rebuilt_from_nothing_in_the_same_generation_are_read_in_full()
    {
        var reader = new MinuteCountsReader(_store, _time);
        var now = MessageRecord.MinuteOf(DateTimeOffset.UtcNow);
        for (var i = 0; i < 5; i++) await WriteAsync([new RecordChange($"doc-{i}", new MessageRecord(now - 10 * i, "error", "api"))], now - 1440);
        AssertSameMinutes(Recount(now - 1440), await reader.ReadAsync(Keys, Windows, now - 1440), "before");

        // Scout's keys removed (an operator's FLUSHALL): the version starts again below the one held.
        await redis.FlushAsync();
        await redis.Database.HashSetAsync(CountKeys.State, StateFields.Version, 0);
        _version = 0;
        _documents.Clear();
        await WriteAsync([new RecordChange("other", new MessageRecord(now - 3, "info", "billing"))], now - 1440);
        AssertSameMinutes(Recount(now - 1440), await reader.ReadAsync(Keys, Windows, now - 1440), "after the rebuild");
    }

    [Fact]
    public async Task A_slide_reads_the_minutes_its_windows_leave_and_none_between_them()
    {
        var now = MessageRecord.MinuteOf(DateTimeOffset.UtcNow);
        // A message in every minute of the last day.
        await WriteAsync(Enumerable.Range(0, 1441).Select(i => new RecordChange($"doc-{i}", new MessageRecord(now - i, "error", "api"))), now - 1440);
        var ranges = new Dictionary<string, (long From, long To)>
        {
            ["5m"] = (now - 6, now - 4), ["1h"] = (now - 61, now - 59), ["24h"] = (now - 1440, now - 1438),
        };
        Dictionary<long, IReadOnlyDictionary<string, long>> read = [];
        Assert.Equal(6, await HashReadsAsync(async () => read = await _store.ReadMinuteCountsAsync(Keys, ranges)));
        Assert.Equal(new long[] { now - 1440, now - 1439, now - 61, now - 60, now - 6, now - 5 }.Order(), read.Keys.Order());
        Assert.All(read.Values, counts => Assert.Equal(1, counts["error\u001fapi"]));
    }

    /// <summary>How many HGETALL calls the work made (INFO commandstats; the collection's tests run one at a time).</summary>
    private async Task<long> HashReadsAsync(Func<Task> work)
    {
        async Task<long> Calls()
        {
            var stats = (string)(await redis.Database.ExecuteAsync("INFO", "commandstats"))!;
            var line = stats.Split('\n').FirstOrDefault(l => l.StartsWith("cmdstat_hgetall:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split("calls=")[1].Split(',')[0], CultureInfo.InvariantCulture);
        }
        var before = await Calls();
        await work();
        return await Calls() - before;
    }
}
