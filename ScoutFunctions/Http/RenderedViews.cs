using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using Scout.Analytics;

namespace Scout.Http;

/// <summary>
/// The JSON of each analytics view, rendered once per snapshot object rather than once per request (a snapshot
/// is read once per second at most and served to every request in between), with the HTTP JSON options every
/// other answer uses, so text is escaped the same way.
/// </summary>
public sealed class RenderedViews
{
    public RenderedViews(IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        var options = json.Value.SerializerOptions;
        Summary = Cache(AnalyticsViews.Summary, options);
        Systems = Cache(AnalyticsViews.Systems, options);
        Alerts = Cache(AnalyticsViews.Alerts, options);
        _timeline = (JsonTypeInfo<TimelineView>)options.GetTypeInfo(typeof(TimelineView));
    }

    private readonly JsonTypeInfo<TimelineView> _timeline;

    /// <summary>A timeline slice, rendered per request (its window and step are the request's).</summary>
    public byte[] Timeline(TimelineView view) => JsonSerializer.SerializeToUtf8Bytes(view, _timeline);

    public Func<AnalyticsSnapshot, byte[]> Summary { get; }

    public Func<AnalyticsSnapshot, byte[]> Systems { get; }

    public Func<AnalyticsSnapshot, byte[]> Alerts { get; }

    private static Func<AnalyticsSnapshot, byte[]> Cache<TView>(Func<AnalyticsSnapshot, TView> view, JsonSerializerOptions options)
    {
        var rendered = new ConditionalWeakTable<AnalyticsSnapshot, byte[]>();
        var contract = (JsonTypeInfo<TView>)options.GetTypeInfo(typeof(TView));
        ConditionalWeakTable<AnalyticsSnapshot, byte[]>.CreateValueCallback serialize = snapshot => JsonSerializer.SerializeToUtf8Bytes(view(snapshot), contract);
        return snapshot => rendered.GetValue(snapshot, serialize);
    }
}
