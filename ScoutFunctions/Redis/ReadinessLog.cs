namespace Scout.Redis;

/// <summary>
/// Logs readiness changes (ready → not ready and back) once each, at Warning: a Kubernetes probe asks every few
/// seconds, and a line per failing probe would bury everything else. The framework's own per-check Error is filtered
/// out in <see cref="Scout.Observability.ScoutLogging"/>.
/// </summary>
public sealed class ReadinessLog(ILogger<ReadinessLog> logger)
{
    // 0 unknown (start-up, counted as ready so a first failure is reported), 1 ready, 2 not ready.
    private int _state;

    public void Record(bool ready, string reason)
    {
        var next = ready ? 1 : 2;
        var previous = Interlocked.Exchange(ref _state, next);
        if (previous == next) return;
        if (!ready)
            logger.LogWarning("Not ready: {Reason}", reason);
        else if (previous == 2)
            logger.LogWarning("Ready again: {Reason}", reason);
    }
}
