using Polly;
using Polly.Retry;

namespace Scout.Counting;

/// <summary>Where a stream catch-up counts, as it stands before a write: the generation, the version to condition on, the cursor, the starts.</summary>
public sealed record CountTarget(CountKeys Keys, long? Version, StreamCursor Cursor, IReadOnlyDictionary<string, long> Starts);

/// <summary>Counts a catch-up can write to: the live ones, or a full pass's own generation.</summary>
public interface ICountTarget
{
    /// <summary>Writes what <paramref name="plan"/> decides from the target as it stands (null: nothing to write). False: no counts to write to.</summary>
    Task<bool> WriteAsync(Func<CountTarget, Task<CountWrite?>> plan, CancellationToken cancellationToken);
}

/// <summary>
/// The live counts as one cycle sees them: the state read once, every write conditioned on its version, and the state
/// advanced by what was written instead of read again. Another writer coming first (a replica) makes it read the state
/// again and retry, backing off exponentially with jitter.
/// </summary>
public sealed class LiveCounts(CountStore store, CountState state) : ICountTarget
{
    /// <summary>How often a write that lost the optimistic lock is tried.</summary>
    public const int Attempts = 20;


    public CountState State { get; private set; } = state;

    public static async Task<LiveCounts> ReadAsync(CountStore store) => new(store, await store.ReadStateAsync());

    /// <summary>
    /// Writes what <paramref name="plan"/> decides from the state and the live generation (null: nothing to write).
    /// False without writing when there are no live counts; throws when other writers kept coming first.
    /// </summary>
    public async Task<bool> WriteAsync(string what, Func<CountState, CountKeys, Task<CountWrite?>> plan, CancellationToken cancellationToken)
    {
        var attempt = 0;
        var outcome = await CountRetry.Pipeline.ExecuteAsync(async _ =>
        {
            if (attempt++ > 0) State = await store.ReadStateAsync();
            if (State.LiveKeys is not { } live) return WriteOutcome.NoLiveCounts;
            if (await plan(State, live) is not { } write) return WriteOutcome.Written;
            if (!await store.CommitAsync(write)) return WriteOutcome.Conflict;
            State = State.After(write);
            return WriteOutcome.Written;
        }, cancellationToken);
        return outcome switch
        {
            WriteOutcome.Conflict => throw new InvalidOperationException($"{what} could not be written in {Attempts} attempts: other writers kept changing the counts"),
            _ => outcome == WriteOutcome.Written,
        };
    }

    public Task<bool> WriteAsync(Func<CountTarget, Task<CountWrite?>> plan, CancellationToken cancellationToken) =>
        WriteAsync("a page of the stream", (state, live) => plan(new CountTarget(live, state.Version, state.Cursor, state.Starts)), cancellationToken);
}

/// <summary>How a write under the optimistic lock ended.</summary>
public enum WriteOutcome { Written, NoLiveCounts, Conflict, Lost }

/// <summary>Retries of a write that lost the optimistic lock: exponential backoff with jitter, so replicas racing for the same counts spread out.</summary>
public static class CountRetry
{
    // The untyped pipeline: Polly's typed one asks the trimmer to keep every member of the result type, which native AOT refuses for an enum.
    public static readonly ResiliencePipeline Pipeline = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is null && args.Outcome.Result is WriteOutcome.Conflict),
            MaxRetryAttempts = LiveCounts.Attempts - 1,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(5),
            MaxDelay = TimeSpan.FromMilliseconds(500),
        })
        .Build();
}
