namespace Scout.Counting;

/// <summary>Why the stream alone cannot bring the counts up to date, and a full pass over every document runs.</summary>
public enum FullPassReason
{
    FirstStart,
    LayoutChanged,
    WindowsChanged,
    IndexOrStreamChanged,
    StreamLost,
    StreamRecreated,
    ReconciliationDue,
}

public static class FullPassReasons
{
    /// <summary>The reason as logs, the full-pass metric's label and the summary's reconciliation name it (unchanged since they were strings).</summary>
    public static string Describe(this FullPassReason reason) => reason switch
    {
        FullPassReason.FirstStart => "first start",
        FullPassReason.LayoutChanged => "layout changed",
        FullPassReason.WindowsChanged => "windows changed",
        FullPassReason.IndexOrStreamChanged => "index or stream changed",
        FullPassReason.StreamLost => "stream trimmed past Scout's position",
        FullPassReason.StreamRecreated => "stream recreated",
        FullPassReason.ReconciliationDue => "reconciliation due",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
