using System.Runtime.CompilerServices;
using Scout.Search;

namespace Scout.Tests.Integration.Profile;

/// <summary>Holds the first aggregation query until the test releases it, so a change can land while a timer run is in progress.</summary>
public sealed class GatedSearchIndex(ISearchIndex inner) : ISearchIndex
{
    private int _gated = 1;

    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<IndexDefinition> EnsureIndexAsync(CancellationToken cancellationToken) => inner.EnsureIndexAsync(cancellationToken);

    public Task<IReadOnlyList<MessageFields>> ReadAsync(IndexDefinition index, IReadOnlyList<string> keys, CancellationToken cancellationToken) =>
        inner.ReadAsync(index, keys, cancellationToken);

    /// <summary>The first cycle's full pass is the aggregation query held.</summary>
    public async IAsyncEnumerable<IReadOnlyList<MessageFields>> ScanAsync(
        IndexDefinition index, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _gated, 0) == 1)
        {
            Entered.TrySetResult();
            await Released.Task.WaitAsync(cancellationToken);
        }
        await foreach (var page in inner.ScanAsync(index, pageSize, cancellationToken)) yield return page;
    }
}
