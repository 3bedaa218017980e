using Prometheus;

namespace Scout.Observability;

/// <summary>
/// Scout's Prometheus metrics in a registry of their own (one per host, so tests stay independent).
/// Names, types, labels and help of the Go service are kept so existing dashboards work.
/// </summary>
public sealed class ScoutMetrics
{
    public ScoutMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        // process_* and dotnet_* like the Go client's default process and runtime collectors.
        DotNetStats.Register(Registry);
        var factory = Metrics.WithCustomRegistry(Registry);
        // Snapshot-derived gauges have no sample until the first snapshot is read: a 0 would read as real data.
        var untilSet = new GaugeConfiguration { SuppressInitialValue = true };
        MessagesTotal = factory.CreateGauge("homerun2_scout_messages_total", "Total messages indexed in RediSearch", untilSet);
        SeverityCount = factory.CreateGauge("homerun2_scout_severity_count", "Message count per severity", "severity");
        SystemMessageCount = factory.CreateGauge("homerun2_scout_system_message_count", "Message count per system", "system");
        SystemsTotal = factory.CreateGauge("homerun2_scout_systems_total", "Total distinct systems in RediSearch index", untilSet);
        AlertCount = factory.CreateGauge("homerun2_scout_alert_count", "Alert message count per severity (error/critical)", "severity");
        TopAlertingSystemCount = factory.CreateGauge("homerun2_scout_top_alerting_system_count", "Alert count for top alerting systems", "system");
        AggregationDuration = factory.CreateHistogram("homerun2_scout_aggregation_duration_seconds", "Duration of aggregation cycles in seconds");
        AggregationErrors = factory.CreateCounter("homerun2_scout_aggregation_errors_total", "Total number of aggregation errors");
        SnapshotAge = factory.CreateGauge("homerun2_scout_snapshot_age_seconds", "Age of the latest analytics snapshot per window", "window");
        SnapshotStale = factory.CreateGauge("homerun2_scout_snapshot_stale",
            "1 while the snapshot this replica serves for the window is older than its stale limit (3 intervals), else 0", "window");
        HeldReadFailures = factory.CreateCounter("homerun2_scout_held_read_failures_total",
            "Reads of what the request path serves from memory (snapshot, timer_status) that failed or timed out; the held value kept being served", "kind");
        FunctionInvocations = factory.CreateCounter("homerun2_scout_function_invocations_total", "Timer function invocations by outcome", "function", "outcome");
        FunctionDuration = factory.CreateHistogram("homerun2_scout_function_duration_seconds", "Duration of timer function invocations in seconds",
            new HistogramConfiguration { LabelNames = ["function"], Buckets = Histogram.ExponentialBuckets(0.005, 2, 14) });
        RetentionDeleted = factory.CreateCounter("homerun2_scout_retention_deleted_total", "Expired messages deleted by retention");
        RetentionTrimmed = factory.CreateCounter("homerun2_scout_retention_trimmed_total", "Stream entries trimmed by retention");
        RetentionUnparseable = factory.CreateCounter("homerun2_scout_retention_unparseable_total", "Messages kept by retention because their timestamp does not parse");
        StreamEntriesCounted = factory.CreateCounter("homerun2_scout_stream_entries_counted_total", "Stream entries counted incrementally");
        StreamGaps = factory.CreateCounter("homerun2_scout_stream_gaps_total",
            "Times the stream lost entries Scout had not read yet (more messages between two cycles than the stream keeps); each starts a full pass");
        FullPasses = factory.CreateCounter("homerun2_scout_full_passes_total", "Full passes over every document, by reason", "reason");
        ReconciliationFailures = factory.CreateCounter("homerun2_scout_reconciliation_failures_total",
            "Periodic reconciliations that failed or ran out of time before they replaced the counts (the counts the stream keeps stay served)");
        RetentionDuration = factory.CreateHistogram("homerun2_scout_retention_duration_seconds", "Duration of retention runs in seconds");
        AlertsSent = factory.CreateCounter("homerun2_scout_alerts_sent_total", "Meta-alerts delivered to omni-pitcher", "rule");
        AlertsFailed = factory.CreateCounter("homerun2_scout_alerts_failed_total", "Meta-alerts that could not be delivered after retries", "rule");
        AlertsSuppressed = factory.CreateCounter("homerun2_scout_alerts_suppressed_total", "Meta-alerts not sent, by reason (cooldown, stale)", "rule", "reason");
    }

    public CollectorRegistry Registry { get; }
    public Counter StreamEntriesCounted { get; }
    public Counter StreamGaps { get; }
    public Counter FullPasses { get; }
    public Counter ReconciliationFailures { get; }
    public Gauge MessagesTotal { get; }
    public Gauge SeverityCount { get; }
    public Gauge SystemMessageCount { get; }
    public Gauge SystemsTotal { get; }
    public Gauge AlertCount { get; }
    public Gauge TopAlertingSystemCount { get; }
    public Histogram AggregationDuration { get; }
    public Counter AggregationErrors { get; }
    public Gauge SnapshotAge { get; }
    public Gauge SnapshotStale { get; }
    public Counter HeldReadFailures { get; }
    public Counter FunctionInvocations { get; }
    public Histogram FunctionDuration { get; }
    public Counter RetentionDeleted { get; }
    public Counter RetentionTrimmed { get; }
    public Counter RetentionUnparseable { get; }
    public Histogram RetentionDuration { get; }
    public Counter AlertsSent { get; }
    public Counter AlertsFailed { get; }
    public Counter AlertsSuppressed { get; }
}
