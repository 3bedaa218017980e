using System.Runtime.CompilerServices;
using Scout.Analytics;

namespace Scout.Tests.Integration.Profile;

/// <summary>Holds the first aggregation query until the test releases it, so a change can land while a timer run is in progress.</summary>
public sealed class GatedSearchIndex(ISearchIndex inner) : ISearchIndex
{
    private int _gated = 1;

    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<IndexDefinition> EnsureIndexAsync(CancellationToken cancellationToken) => inner.EnsureIndexAsync(cancellationToken);

    public async Task<IReadOnlyList<WindowedCount>> CountByWindowAsync(IndexDefinition index, WindowPlan plan, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _gated, 0) == 1)
        {
            Entered.TrySetResult();
            await Released.Task.WaitAsync(cancellationToken);
        }
        return await inner.CountByWindowAsync(index, plan, cancellationToken);
    }

    public async IAsyncEnumerable<IReadOnlyList<ExpiryCandidate>> FindExpiredAsync(
        IndexDefinition index, DateTimeOffset cutoff, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in inner.FindExpiredAsync(index, cutoff, cancellationToken)) yield return page;
    }
}
