using System.Globalization;
using CsCheck;
using Scout.Counting;

namespace Scout.Tests.Unit.Counting;

/// <summary>
/// The counting model on generated histories: adds, changes and deletions in batches, replays, slides of the windows and
/// retention cuts, in any order. After every step the counts equal a recount of the documents as they are.
/// </summary>
public sealed class CountingModelProperties
{
    private const long Start = 10_000;
    private static readonly Dictionary<string, long> Lengths = new() { ["5m"] = 5, ["1h"] = 60 };
    private static readonly string[] Severities = ["error", "critical", "info"];
    private static readonly string[] Systems = ["api", "db"];

    /// <summary>One document's change: kind 0 gone, 1 a record at minute offset, 2 a timestamp that does not parse.</summary>
    public sealed record Change(int Document, int Kind, int MinuteOffset, int Severity, int System)
    {
        public RecordChange ToRecord(long now) => new(Key(Document), Kind switch
        {
            0 => null,
            1 => new MessageRecord(now + MinuteOffset, Severities[Severity], Systems[System]),
            _ => new MessageRecord(null, Severities[Severity], Systems[System]),
        });
    }

    public abstract record Step;
    public sealed record Batch(Change[] Changes) : Step;
    public sealed record Replay(int[] Documents) : Step;
    public sealed record SlideBy(int Minutes) : Step;
    public sealed record Cut(int MinutesBack) : Step;

    private static string Key(int document) => "m:" + document.ToString(CultureInfo.InvariantCulture);

    private static readonly Gen<Change> GenChange = Gen.Select(Gen.Int[0, 12], Gen.Int[0, 2], Gen.Int[-90, 3], Gen.Int[0, 2], Gen.Int[0, 1],
        (d, k, m, s, y) => new Change(d, k, m, s, y));

    private static readonly Gen<Step> GenStep = Gen.Frequency(
        (6, GenChange.Array[1, 8].Select(c => (Step)new Batch(c))),
        (2, Gen.Int[0, 12].Array[1, 5].Select(d => (Step)new Replay(d))),
        (2, Gen.Int[0, 30].Select(m => (Step)new SlideBy(m))),
        (1, Gen.Int[0, 100].Select(m => (Step)new Cut(m))));

    private static readonly Gen<Step[]> GenHistory = GenStep.Array[1, 30];

    /// <summary>Plays a history; after each step, <paramref name="check"/> sees the counts and the documents as they are.</summary>
    private static void Play(Step[] history, Action<InMemoryCounts, Dictionary<string, MessageRecord>> check)
    {
        var now = Start;
        var counts = new InMemoryCounts(Lengths.ToDictionary(l => l.Key, l => now - l.Value));
        var documents = new Dictionary<string, MessageRecord>(StringComparer.Ordinal);
        foreach (var step in history)
        {
            var changes = step switch
            {
                Batch b => b.Changes.Select(c => c.ToRecord(now)).ToList(),
                Replay r => r.Documents.Select(d => new RecordChange(Key(d), documents.TryGetValue(Key(d), out var held) ? held : null)).ToList(),
                Cut c => documents.Where(d => d.Value.Minute < now - c.MinutesBack).Select(d => new RecordChange(d.Key, null)).ToList(),
                _ => [],
            };
            if (step is SlideBy s) now += s.Minutes;
            var applied = step is SlideBy ? SlideTo(counts, now) : CountingModel.Apply(counts.Held(changes.Select(c => c.Key)), changes, counts.Starts);
            if (step is Replay) Assert.True(applied.IsEmpty, "a replay of documents as they are changed the counts");
            counts.Apply(applied);
            foreach (var change in changes)
                if (change.Record is { } record) documents[change.Key] = record;
                else documents.Remove(change.Key);
            check(counts, documents);
        }
    }

    private static CountChanges SlideTo(InMemoryCounts counts, long now)
    {
        var ranges = CountingModel.SlideRanges(counts.Starts, Lengths.ToDictionary(l => l.Key, l => now - l.Value))!;
        return CountingModel.Slide(ranges, counts.MinuteCountsIn(ranges));
    }

    private static string Text(SortedDictionary<string, SortedDictionary<string, long>> counts) =>
        string.Join("; ", counts.Select(c => c.Key + ": " + string.Join(", ", c.Value.Select(g => g.Key.Replace(MessageRecord.Separator, '/') + "=" + g.Value))));

    [Fact]
    public void Every_window_equals_a_recount_of_the_documents_after_any_history() =>
        GenHistory.Sample(history => Play(history, (counts, documents) =>
            Assert.Equal(Text(InMemoryCounts.Recount(documents, counts.Starts)), Text(InMemoryCounts.Shown(counts.Windows)))), iter: 2000);

    [Fact]
    public void Every_minutes_counts_equal_a_recount_of_its_documents_after_any_history() =>
        GenHistory.Sample(history => Play(history, (counts, documents) =>
            Assert.Equal(Text(InMemoryCounts.RecountMinutes(documents)), Text(InMemoryCounts.Shown(counts.MinuteCounts)))), iter: 2000);

    [Fact]
    public void The_records_and_the_minutes_documents_are_exactly_the_documents_after_any_history() =>
        GenHistory.Sample(history => Play(history, (counts, documents) =>
        {
            Assert.Equal(documents.OrderBy(d => d.Key, StringComparer.Ordinal), counts.Records.OrderBy(d => d.Key, StringComparer.Ordinal));
            var inMinutes = counts.MinuteDocuments.SelectMany(m => m.Value.Select(d => (d.Key, m.Key, d.Value))).OrderBy(d => d.Item1, StringComparer.Ordinal);
            Assert.Equal(documents.Select(d => (d.Key, d.Value.MinuteName, d.Value.Group)).OrderBy(d => d.Key, StringComparer.Ordinal), inMinutes);
            Assert.All(documents.Values.Where(r => r.Minute is not null), r => Assert.Contains(r.Minute!.Value, counts.Minutes));
        }), iter: 1000);

    [Fact]
    public void Applying_a_batch_again_changes_nothing() =>
        Gen.Select(GenHistory, GenChange.Array[1, 10]).Sample((history, batch) => Play(history, (counts, _) =>
        {
            var changes = batch.Select(c => c.ToRecord(Start)).ToList();
            var once = CountingModel.Apply(counts.Held(changes.Select(c => c.Key)), changes, counts.Starts);
            var copy = Copy(counts);
            copy.Apply(once);
            Assert.True(CountingModel.Apply(copy.Held(changes.Select(c => c.Key)), changes, copy.Starts).IsEmpty);
        }), iter: 300);

    [Fact]
    public void A_batch_in_two_pages_counts_as_the_batch_in_one() =>
        Gen.Select(GenChange.Array[2, 16], Gen.Int[1, 15]).Sample((batch, split) =>
        {
            var starts = Lengths.ToDictionary(l => l.Key, l => Start - l.Value);
            var changes = batch.Select(c => c.ToRecord(Start)).ToList();
            var whole = new InMemoryCounts(starts);
            whole.Apply(CountingModel.Apply(whole.Held(changes.Select(c => c.Key)), changes, starts));
            var paged = new InMemoryCounts(starts);
            foreach (var page in new[] { changes.Take(split).ToList(), changes.Skip(split).ToList() })
                paged.Apply(CountingModel.Apply(paged.Held(page.Select(c => c.Key)), page, starts));
            Assert.Equal(Text(InMemoryCounts.Shown(whole.Windows)), Text(InMemoryCounts.Shown(paged.Windows)));
            Assert.Equal(whole.Records.OrderBy(r => r.Key), paged.Records.OrderBy(r => r.Key));
        }, iter: 2000);

    [Fact]
    public void A_comparison_of_two_generations_finds_exactly_what_differs() =>
        Gen.Select(GenChange.Array[0, 14], GenChange.Array[0, 14]).Sample((liveChanges, indexChanges) =>
        {
            var live = Records(liveChanges);
            var index = Records(indexChanges);
            var comparison = new GenerationComparison();
            var page = index.Select(d => new RecordChange(d.Key, d.Value)).ToList();
            comparison.ComparePage(page, [.. page.Select(p => live.TryGetValue(p.Key, out var r) ? r : (MessageRecord?)null)]);
            var expected = (index.Keys.Count(k => !live.ContainsKey(k)), index.Count(d => live.TryGetValue(d.Key, out var r) && r != d.Value),
                live.Keys.Count(k => !index.ContainsKey(k)));
            Assert.Equal(expected, comparison.Corrections(live.Count, index.Count) is var (m, w, e) ? ((int)m, (int)w, (int)e) : default);
        }, iter: 2000);

    private static Dictionary<string, MessageRecord> Records(IEnumerable<Change> changes)
    {
        var records = new Dictionary<string, MessageRecord>(StringComparer.Ordinal);
        foreach (var change in changes.Select(c => c.ToRecord(Start)))
            if (change.Record is { } r) records[change.Key] = r;
            else records.Remove(change.Key);
        return records;
    }

    private static InMemoryCounts Copy(InMemoryCounts counts)
    {
        var copy = new InMemoryCounts(counts.Starts);
        var all = counts.Records.Select(r => new RecordChange(r.Key, r.Value)).ToList();
        // Rebuilt from the records at the same starts: the model's own output, so the copy holds the same documents.
        copy.Apply(CountingModel.Apply(copy.Held(all.Select(c => c.Key)), all, copy.Starts));
        return copy;
    }
}
