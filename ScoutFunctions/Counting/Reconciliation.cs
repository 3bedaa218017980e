namespace Scout.Counting;

/// <summary>
/// The last full pass: when it ended, how long it took, why it ran, how many documents it read, and what it found the
/// counts had wrong: documents they missed, documents counted with another minute, severity or system, and documents
/// they counted that the index no longer holds.
/// </summary>
public sealed record Reconciliation(string At, double DurationSeconds, string Reason, long Documents, long Missed, long Wrong, long Extra)
{
    public long Corrections => Missed + Wrong + Extra;
}
