using System.Diagnostics.CodeAnalysis;
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

    /// <summary>
    /// How a write attempt ended. A class, not an enum: Polly keeps every member of its result type under trimming, and
    /// an enum's include Enum.GetValues(Type), which native AOT refuses (IL3050).
    /// </summary>
    private sealed class Outcome
    {
        public static readonly Outcome Written = new(), NoLiveCounts = new(), Conflict = new();
    }

    private static readonly ResiliencePipeline<Outcome> Retry = CountRetry.While<Outcome>(o => o == Outcome.Conflict);

    public CountState State { get; private set; } = state;

    public static async Task<LiveCounts> ReadAsync(CountStore store) => new(store, await store.ReadStateAsync());

    /// <summary>
    /// Writes what <paramref name="plan"/> decides from the state and the live generation (null: nothing to write).
    /// False without writing when there are no live counts; throws when other writers kept coming first.
    /// </summary>
    public async Task<bool> WriteAsync(string what, Func<CountState, CountKeys, Task<CountWrite?>> plan, CancellationToken cancellationToken)
    {
        var attempt = 0;
        var outcome = await Retry.ExecuteAsync(async _ =>
        {
            if (attempt++ > 0) State = await store.ReadStateAsync();
            if (State.LiveKeys is not { } live) return Outcome.NoLiveCounts;
            if (await plan(State, live) is not { } write) return Outcome.Written;
            if (!await store.CommitAsync(write)) return Outcome.Conflict;
            State = State.After(write);
            return Outcome.Written;
        }, cancellationToken);
        if (outcome == Outcome.Conflict)
            throw new InvalidOperationException($"{what} could not be written in {Attempts} attempts: other writers kept changing the counts");
        return outcome == Outcome.Written;
    }

    public Task<bool> WriteAsync(Func<CountTarget, Task<CountWrite?>> plan, CancellationToken cancellationToken) =>
        WriteAsync("a page of the stream", (state, live) => plan(new CountTarget(live, state.Version, state.Cursor, state.Starts)), cancellationToken);
}

/// <summary>Retries of a write that lost the optimistic lock: exponential backoff with jitter, so replicas racing for the same counts spread out.</summary>
public static class CountRetry
{
    // Polly's AddRetry asks its result type to keep all its members under trimming (native AOT), so this says the same of T.
    public static ResiliencePipeline<T> While<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(Func<T, bool> conflict) => new ResiliencePipelineBuilder<T>()
        .AddRetry(new RetryStrategyOptions<T>
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is null && conflict(args.Outcome.Result!)),
            MaxRetryAttempts = LiveCounts.Attempts - 1,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(5),
            MaxDelay = TimeSpan.FromMilliseconds(500),
        })
        .Build();
}
