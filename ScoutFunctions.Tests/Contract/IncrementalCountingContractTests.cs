using Microsoft.Extensions.Logging;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;
using Scout.Analytics;
using Scout.Counting;
using Scout.Search;
using Scout.Tests.Infrastructure;
using StackExchange.Redis;

namespace Scout.Tests.Contract;

/// <summary>
/// The counts Scout serves, kept up from the stream, equal a full count of the documents at the same minute-aligned
/// cut-offs on the real engine: after random writes with and without stream entries, overwrites, external deletes,
/// retention runs, a full pass racing new writes, a Scout killed between reading and writing, and a restart.
/// </summary>
[Collection(RedisStackCollection.Name)]
public sealed class IncrementalCountingContractTests(RedisStackFixture stack) : IAsyncLifetime
{
    private readonly ContractData _data = new(stack);
    private readonly Dictionary<string, Document> _stored = new(StringComparer.Ordinal);
    private Random _random = new(1);
    private bool _hash;
    private string _index = "";
    private string _stream = "";
    private int _sequence;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _data.DisposeAsync();
        if (_stream.Length > 0) await _data.Db.KeyDeleteAsync(_stream);
        await ScoutPipeline.ResetCountsAsync(stack.Database.Multiplexer);
    }

    [RedisStackFact]
    public async Task Counts_of_another_index_are_recounted_when_the_index_changes()
    {
        await ScoutPipeline.ResetCountsAsync(stack.Database.Multiplexer);
        _stream = _data.Run + "_switch_stream";
        var time = new FakeTimeProvider(ContractData.ReferenceNow);
        var timestamp = ContractData.ReferenceNow.AddMinutes(-3).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        async Task<ScoutPipeline> WithDocumentsAsync(string index, int count)
        {
            await _data.CreateJsonIndexAsync(index, index + ":");
            for (var i = 0; i < count; i++)
                await _data.Db.ExecuteAsync("JSON.SET", $"{index}:{i}", "$",
                    $$"""{"severity":"error","system":"s{{i}}","timestamp":"{{timestamp}}","title":"t"}""");
            var (adapter, connection, options) = _data.Scout(index);
            options.Stream = _stream;
            return new ScoutPipeline(adapter, connection, options, time);
        }

        var first = await WithDocumentsAsync(_data.Run + "_switch_a", 5);
        Assert.Equal(5, (await first.CycleAsync())["all"].TotalMessages);
        // REDISEARCH_INDEX now names another index (say, through a ScoutProfile): its documents are counted, not the counts kept.
        var second = await WithDocumentsAsync(_data.Run + "_switch_b", 8);
        Assert.Equal(8, (await second.CycleAsync())["all"].TotalMessages);
        Assert.Equal(1, second.Metrics.FullPasses.WithLabels("index or stream changed").Value);
    }

    [RedisStackFact]
    public async Task A_reconciliation_that_fails_or_runs_out_of_time_never_holds_back_the_counts()
    {
        var (adapter, connection, options, time) = await FreshJsonIndexAsync("_recfail");
        var passes = new FailingPasses(adapter);
        var scout = new ScoutPipeline(passes, connection, options, time);
        for (var i = 0; i < 120; i++) await WriteAsync(NewKey(), Age(TimeSpan.FromMinutes(50)), withEntry: i % 2 == 0, time);
        Assert.Equal(120, (await scout.CycleAsync())["all"].TotalMessages);
        Assert.Equal(1, passes.Started);

        // The reconciliation is due and fails after its first page: the cycle still serves what the stream brought.
        passes.Outcome = () => throw new TimeoutException("Redis did not answer");
        for (var i = 0; i < 7; i++) await WriteAsync(NewKey(), Age(TimeSpan.FromMinutes(5)), withEntry: true, time);
        time.Advance(TimeSpan.FromHours(1));
        var served = await scout.CycleAsync();
        Assert.Equal((127, 2), (served["all"].TotalMessages, passes.Started));
        Assert.Equal("first start", served["all"].Reconciliation!.Reason);
        Assert.Equal(1, scout.Metrics.ReconciliationFailures.Value);
        await AssertNoCountsButLiveAsync(scout);

        // Not tried again every cycle: the next attempt is an interval after the failed one began.
        time.Advance(TimeSpan.FromMinutes(30));
        for (var i = 0; i < 3; i++) await WriteAsync(NewKey(), Age(TimeSpan.FromMinutes(5)), withEntry: true, time);
        Assert.Equal((130, 2), ((await scout.CycleAsync())["all"].TotalMessages, passes.Started));

        // Out of time (the invocation is cancelled during the pass): the snapshot was stored before, the cancellation is reported.
        using var timeout = new CancellationTokenSource();
        passes.Outcome = () => timeout.Cancel();
        await WriteAsync(NewKey(), Age(TimeSpan.FromMinutes(5)), withEntry: true, time);
        time.Advance(TimeSpan.FromMinutes(30));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scout.Aggregator.RunAsync(timeout.Token));
        Assert.Equal((131, 3), ((await new RedisSnapshotStore(connection).GetAsync("all"))!.TotalMessages, passes.Started));
        Assert.Equal(2, scout.Metrics.ReconciliationFailures.Value);
        await AssertNoCountsButLiveAsync(scout);

        // An hour later it succeeds; what the stream never told of (written without an entry) is in the same cycle's snapshot.
        passes.Outcome = null;
        for (var i = 0; i < 4; i++) await WriteAsync(NewKey(), Age(TimeSpan.FromMinutes(5)), withEntry: false, time);
        time.Advance(TimeSpan.FromHours(1));
        var reconciled = await scout.CycleAsync();
        Assert.Equal((135, 4), (reconciled["all"].TotalMessages, passes.Started));
        Assert.Equal(("reconciliation due", 4L), (reconciled["all"].Reconciliation!.Reason, reconciled["all"].Reconciliation!.Missed));
        Assert.Equal(1, scout.Metrics.FullPasses.WithLabels("reconciliation due").Value);
    }

    [RedisStackFact]
    public async Task A_reconciliation_longer_than_the_interval_serves_new_messages_between_its_pages()
    {
        var (adapter, connection, options, time) = await FreshJsonIndexAsync("_recslow");
        for (var i = 0; i < 200; i++) await WriteAsync(NewKey(), Age(TimeSpan.FromMinutes(50)), withEntry: true, time);
        Assert.Equal(200, (await new ScoutPipeline(adapter, connection, options, time).CycleAsync())["all"].TotalMessages);

        // Each page of the reconciliation takes a SCOUT_INTERVAL while producers write, and the stream keeps only the last
        // 5 entries (the producer's cap, scaled down): what the snapshot holds is read before each write.
        var snapshots = new RedisSnapshotStore(connection);
        var served = new List<(long Served, int Written)>();
        var slow = new ScoutPipeline(new WritesBetweenPages(adapter, async () =>
        {
            served.Add(((await snapshots.GetAsync("all"))!.TotalMessages, _stored.Count));
            for (var i = 0; i < 3; i++) await WriteAsync(NewKey(), Age(TimeSpan.FromMinutes(5)), withEntry: true, time);
            await _data.Db.StreamTrimAsync(_stream, 5);
            time.Advance(options.Interval);
        }), connection, options, time);
        time.Advance(TimeSpan.FromHours(1));
        var reconciled = await slow.CycleAsync();

        Assert.Empty(slow.Logs.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message));
        Assert.True(served.Count >= 4, $"expected a pass of at least 4 pages, saw {served.Count}");
        Assert.Equal(served.Select(s => (long)s.Written), served.Select(s => s.Served));
        Assert.Equal(_stored.Count, reconciled["all"].TotalMessages);
        // It took in the stream's entries as it went, so none was trimmed before it read them: it replaced the counts.
        // The live counts were right, and messages written during the pass are no correction.
        var report = reconciled["all"].Reconciliation!;
        Assert.Equal(("reconciliation due", 0L, 0L, 0L), (report.Reason, report.Missed, report.Wrong, report.Extra));
        Assert.Equal(0, slow.Metrics.StreamGaps.Value);
    }

    [RedisStackTheory]
    [InlineData(false, 11)]
    [InlineData(true, 12)]
    public async Task Served_counts_equal_a_full_count_through_every_kind_of_change(bool hash, int seed)
    {
        _random = new Random(seed);
        _hash = hash;
        await ScoutPipeline.ResetCountsAsync(stack.Database.Multiplexer);
        _index = _data.Run + (hash ? "_inc_hash" : "_inc_json");
        _stream = _index + "_stream";
        if (hash)
        {
            await _data.Db.ExecuteAsync("FT.CREATE", _index, "ON", "HASH", "PREFIX", "1", _index + ":", "SCHEMA",
                "severity", "TEXT", "system", "TEXT", "timestamp", "NUMERIC", "SORTABLE");
            _data.TrackIndex(_index);
        }
        else await _data.CreateJsonIndexAsync(_index, _index + ":");
        var time = new FakeTimeProvider(ContractData.ReferenceNow);
        ScoutPipeline Start()
        {
            var (adapter, connection, options) = _data.Scout(_index);
            options.Stream = _stream;
            options.Windows = [new("5m", TimeSpan.FromMinutes(5)), new("1h", TimeSpan.FromHours(1)), new("24h", TimeSpan.FromHours(24))];
            options.RetentionTtl = TimeSpan.FromHours(48);
            options.ReconcileInterval = TimeSpan.FromHours(1);
            return new ScoutPipeline(adapter, connection, options, time);
        }

        // Documents before Scout's first start, half of them with a stream entry: the first cycle is a full pass.
        for (var i = 0; i < 300; i++) await WriteAsync(NewKey(), Age(TimeSpan.FromHours(72)), withEntry: i % 2 == 0, time);
        var scout = Start();
        await AssertServedEqualsFullCountAsync(scout, "first start");
        Assert.Equal(1, FullPasses(scout));

        // Cycles that only follow the stream: new messages (some late), overwrites of earlier ones.
        for (var round = 0; round < 5; round++)
        {
            time.Advance(TimeSpan.FromMinutes(_random.Next(1, 9)));
            for (var i = 0; i < 40; i++) await WriteAsync(NewKey(), Age(TimeSpan.FromMinutes(90)), withEntry: true, time);
            foreach (var key in Pick(8)) await WriteAsync(key, Age(TimeSpan.FromHours(30)), withEntry: true, time);
            await AssertServedEqualsFullCountAsync(scout, $"round {round}");
        }
        Assert.Equal(1, FullPasses(scout));

        // A Scout killed after reading a page but before its transaction: nothing of that page was counted; a new one counts it once.
        for (var i = 0; i < 30; i++) await WriteAsync(NewKey(), Age(TimeSpan.FromMinutes(10)), withEntry: true, time);
        var (dyingAdapter, dyingConnection, dyingOptions) = _data.Scout(_index);
        dyingOptions.Stream = _stream;
        dyingOptions.Windows = scout.Options.Windows;
        dyingOptions.ReconcileInterval = scout.Options.ReconcileInterval;
        var killed = new ScoutPipeline(new DiesOnRead(dyingAdapter), dyingConnection, dyingOptions, time).Counter;
        await Assert.ThrowsAsync<IOException>(async () => await killed.RunAsync(await dyingAdapter.EnsureIndexAsync(CancellationToken.None), CancellationToken.None));
        scout = Start(); // the restart
        await AssertServedEqualsFullCountAsync(scout, "after a kill between reading and writing, and a restart");
        Assert.Equal(0, FullPasses(scout));

        // Changes the stream does not tell of (written without an entry, deleted by someone else): the reconciliation finds them.
        var unseen = 0;
        for (var i = 0; i < 12; i++, unseen++) await WriteAsync(NewKey(), Age(TimeSpan.FromHours(5)), withEntry: false, time);
        var deleted = Pick(7).ToList();
        foreach (var key in deleted)
        {
            await _data.Db.KeyDeleteAsync(key);
            _stored.Remove(key);
        }
        time.Advance(TimeSpan.FromHours(1));
        var reconciled = await AssertServedEqualsFullCountAsync(scout, "after the reconciliation");
        var report = reconciled["all"].Reconciliation!;
        Assert.Equal(("reconciliation due", unseen, 0L, deleted.Count), (report.Reason, (int)report.Missed, report.Wrong, (int)report.Extra));
        Assert.Equal(_stored.Count, report.Documents);

        // Retention: whole minutes before the cut-off's minute are deleted, exactly the documents in them, and the counts follow.
        time.Advance(TimeSpan.FromMinutes(3));
        var cutoff = time.GetUtcNow() - scout.Options.RetentionTtl;
        var expiredBefore = MessageRecord.MinuteOf(cutoff) * 60;
        var expired = _stored.Where(d => d.Value.Unix < expiredBefore).Select(d => d.Key).ToHashSet();
        Assert.NotEmpty(expired);
        var run = await scout.Pruner.RunAsync(CancellationToken.None);
        Assert.Equal(expired.Count, run.Deleted);
        foreach (var key in _stored.Keys)
            Assert.Equal(!expired.Contains(key), await _data.Db.KeyExistsAsync(key));
        foreach (var key in expired) _stored.Remove(key);
        await AssertServedEqualsFullCountAsync(scout, "after retention");
        var nothingLeft = await scout.Pruner.RunAsync(CancellationToken.None);
        Assert.Equal(0, nothingLeft.Deleted);

        // A full pass racing new writes: messages written (with entries) and overwritten while it reads its pages.
        var (racingAdapter, racingConnection, racingOptions) = _data.Scout(_index);
        racingOptions.Stream = _stream;
        racingOptions.Windows = scout.Options.Windows;
        racingOptions.RetentionTtl = scout.Options.RetentionTtl;
        racingOptions.ReconcileInterval = scout.Options.ReconcileInterval;
        var racing = new ScoutPipeline(new WritesBetweenPages(racingAdapter, async () =>
        {
            for (var i = 0; i < 5; i++) await WriteAsync(NewKey(), Age(TimeSpan.FromMinutes(30)), withEntry: true, time);
            foreach (var key in Pick(2)) await WriteAsync(key, Age(TimeSpan.FromMinutes(30)), withEntry: true, time);
        }), racingConnection, racingOptions, time);
        time.Advance(TimeSpan.FromHours(1));
        var raced = await AssertServedEqualsFullCountAsync(racing, "after a full pass that raced new writes");
        Assert.Equal("reconciliation due", raced["all"].Reconciliation!.Reason);

        // An upgrade from the first layout (all records in one hash, no layout field): a full pass rewrites the counts.
        var old = (await racing.Counts.ReadStateAsync()).LiveKeys!;
        var db = stack.Database;
        foreach (var shard in old.AllRecords)
        {
            var entries = await db.HashGetAllAsync(shard);
            if (entries.Length > 0) await db.HashSetAsync(old.UnshardedRecords, entries);
            await db.KeyDeleteAsync(shard);
        }
        await db.HashDeleteAsync(CountKeys.State, StateFields.Layout);
        Assert.Null((await racing.Counts.ReadStateAsync()).LiveKeys);
        Assert.Equal(0, (await scout.Pruner.RunAsync(CancellationToken.None)).Deleted); // counts it cannot read: no deletes from them
        time.Advance(TimeSpan.FromMinutes(1));
        var upgraded = await AssertServedEqualsFullCountAsync(scout, "after an upgrade from the unsharded layout");
        Assert.Equal("layout changed", upgraded["all"].Reconciliation!.Reason);
        Assert.False(await db.KeyExistsAsync(old.UnshardedRecords));
        Assert.Equal(_stored.Count, await scout.Counts.CountRecordsAsync((await scout.Counts.ReadStateAsync()).LiveKeys!));
    }

    /// <summary>A failed full pass leaves no counts of its own behind: the only generation in Redis is the live one.</summary>
    private async Task AssertNoCountsButLiveAsync(ScoutPipeline scout)
    {
        var live = (await scout.Counts.ReadStateAsync()).Live;
        var generations = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var key in stack.Database.Multiplexer.GetServers().Single(s => !s.IsReplica).KeysAsync(pattern: "{scout}:count:*"))
            if (key.ToString().Split(':') is [_, _, var generation, ..] && long.TryParse(generation, out _)) generations.Add(generation);
        Assert.Equal([live!.Value.ToString(CultureInfo.InvariantCulture)], generations);
    }

    /// <summary>No counts yet, a new JSON index and stream for this test, a clock the test moves, a reconciliation every hour.</summary>
    private async Task<(RediSearchIndex Adapter, Scout.Redis.RedisConnection Connection, Scout.Configuration.ScoutOptions Options, FakeTimeProvider Time)>
        FreshJsonIndexAsync(string suffix)
    {
        await ScoutPipeline.ResetCountsAsync(stack.Database.Multiplexer);
        _index = _data.Run + suffix;
        _stream = _index + "_stream";
        await _data.CreateJsonIndexAsync(_index, _index + ":");
        var (adapter, connection, options) = _data.Scout(_index);
        options.Stream = _stream;
        options.ReconcileInterval = TimeSpan.FromHours(1);
        return (adapter, connection, options, new FakeTimeProvider(ContractData.ReferenceNow));
    }

    private async Task<Dictionary<string, AnalyticsSnapshot>> AssertServedEqualsFullCountAsync(ScoutPipeline scout, string because)
    {
        var served = await scout.CycleAsync();
        var now = scout.Time.GetUtcNow();
        Assert.Equal(now, served["all"].GeneratedAt);
        foreach (var (window, snapshot) in served)
        {
            var start = window == "all" ? (long?)null : MessageRecord.MinuteOf(now - scout.Options.Windows.Single(w => w.Name == window).Length) * 60;
            Assert.Equal(start, snapshot.WindowStart?.ToUnixTimeSeconds());
            var inWindow = _stored.Values.Where(d => start is null || d.Unix >= start).ToList();
            var expected = inWindow.GroupBy(d => d.Severity.ToLowerInvariant()).ToDictionary(g => g.Key, g => (long)g.Count());
            Assert.True(expected.OrderBy(e => e.Key).SequenceEqual(snapshot.SeverityCounts.OrderBy(e => e.Key)),
                $"{because}, window {window}: expected {Show(expected)}, served {Show(snapshot.SeverityCounts)}");
            Assert.Equal(inWindow.Count, snapshot.TotalMessages);
            Assert.Equal(inWindow.Select(d => d.System).Distinct().Count(), snapshot.SystemsTotal);
        }
        return served;
    }

    private static string Show(IEnumerable<KeyValuePair<string, long>> counts) => string.Join(",", counts.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}"));

    private static long FullPasses(ScoutPipeline scout) =>
        (long)new[] { "first start", "reconciliation due", "windows changed", "index or stream changed", "layout changed", "stream trimmed past Scout's position", "stream recreated" }
            .Sum(reason => scout.Metrics.FullPasses.WithLabels(reason).Value);

    private string NewKey() => $"{_index}:{Guid.NewGuid():N}-sys{Interlocked.Increment(ref _sequence)}";

    private IEnumerable<string> Pick(int count) => _stored.Keys.OrderBy(_ => _random.Next()).Take(count).ToList();

    private TimeSpan Age(TimeSpan max) => TimeSpan.FromSeconds(_random.NextDouble() * max.TotalSeconds);

    private static readonly string[] Severities = ["info", "INFO", "warning", "error", "ERROR", "critical", "Critical", "success"];

    /// <summary>Writes a message as the producer does (document, then its key on the stream) or without the stream entry.</summary>
    private async Task WriteAsync(string key, TimeSpan age, bool withEntry, TimeProvider time)
    {
        var at = time.GetUtcNow() - age;
        var document = new Document(key, Severities[_random.Next(Severities.Length)], $"system-{_random.Next(12)}",
            at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), at.ToUnixTimeSeconds());
        if (_hash)
            await _data.Db.HashSetAsync(key, [new("severity", document.Severity), new("system", document.System), new("timestamp", document.Unix!.Value)]);
        else
            await _data.WriteJsonAsync(key, document);
        if (withEntry) await _data.Db.StreamAddAsync(_stream, StreamFollower.MessageIdField, key);
        _stored[key] = document;
    }

    /// <summary>Fails every read of named documents, as a process killed after XRANGE and before its transaction would.</summary>
    private sealed class DiesOnRead(ISearchIndex inner) : ISearchIndex
    {
        public Task<IndexDefinition> EnsureIndexAsync(CancellationToken cancellationToken) => inner.EnsureIndexAsync(cancellationToken);

        public Task<IReadOnlyList<MessageFields>> ReadAsync(IndexDefinition index, IReadOnlyList<string> keys, CancellationToken cancellationToken) =>
            throw new IOException("killed");

        public IAsyncEnumerable<IReadOnlyList<MessageFields>> ScanAsync(IndexDefinition index, int pageSize, CancellationToken cancellationToken) =>
            inner.ScanAsync(index, pageSize, cancellationToken);
    }

    /// <summary>Full passes that meet <see cref="Outcome"/> after their first page (a Redis failure, the invocation's timeout).</summary>
    private sealed class FailingPasses(ISearchIndex inner) : ISearchIndex
    {
        public Action? Outcome { get; set; }

        public int Started { get; private set; }

        public Task<IndexDefinition> EnsureIndexAsync(CancellationToken cancellationToken) => inner.EnsureIndexAsync(cancellationToken);

        public Task<IReadOnlyList<MessageFields>> ReadAsync(IndexDefinition index, IReadOnlyList<string> keys, CancellationToken cancellationToken) =>
            inner.ReadAsync(index, keys, cancellationToken);

        public async IAsyncEnumerable<IReadOnlyList<MessageFields>> ScanAsync(IndexDefinition index, int pageSize,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Started++;
            await foreach (var page in inner.ScanAsync(index, 50, cancellationToken))
            {
                yield return page;
                Outcome?.Invoke();
            }
        }
    }

    /// <summary>Writes between the pages of a full pass: producers do not wait for Scout's reconciliation.</summary>
    private sealed class WritesBetweenPages(RediSearchIndex inner, Func<Task> write) : ISearchIndex
    {
        public Task<IndexDefinition> EnsureIndexAsync(CancellationToken cancellationToken) => inner.EnsureIndexAsync(cancellationToken);

        public Task<IReadOnlyList<MessageFields>> ReadAsync(IndexDefinition index, IReadOnlyList<string> keys, CancellationToken cancellationToken) =>
            inner.ReadAsync(index, keys, cancellationToken);

        public async IAsyncEnumerable<IReadOnlyList<MessageFields>> ScanAsync(IndexDefinition index, int pageSize,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var page in inner.ScanAsync(index, 50, cancellationToken))
            {
                yield return page;
                await write();
            }
        }
    }
}
