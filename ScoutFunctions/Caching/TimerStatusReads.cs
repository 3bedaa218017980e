using FunctionsSelfHost.Timers;


namespace Scout.Caching;

/// <summary>The timer status /health and the analytics' 503 reason show, held like the snapshots (see <see cref="HeldReads"/>).</summary>
public sealed class TimerStatusReads(ITimerStore store, HeldReads held)
{
    private const string Kind = HeldReads.TimerStatusKind;

    public Task<TimerRecord?> GetAsync(string function) => held.GetAsync(Kind, function, () => store.GetRecordAsync(function));

    public ReadStatus? Status(string function) => held.Status(Kind, function);
}
