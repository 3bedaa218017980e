using System.Text.Json;
using FunctionsSelfHost.Timers;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Scout.Functions;
using Scout.Tests.Infrastructure;
using Scout.Tests.Integration.Service;

namespace Scout.Tests.FunctionsHost;

/// <summary>
/// The function table the Functions host reads (functions.metadata, written by the Worker SDK at build time from
/// the [Function] attributes) and the one the self-host serves (its timers and Kestrel routes) are the same table.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private sealed record Row(string Name, string Trigger, string? Schedule, bool RunOnStartup, string? Route, string? Methods, string EntryPoint);

    /// <summary>functions.metadata beside the built ScoutFunctions.dll.</summary>
    private static List<Row> Metadata()
    {
        var directory = Path.GetDirectoryName(ScoutProcess.ServiceDll())!;
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "functions.metadata")));
        var rows = new List<Row>();
        foreach (var function in document.RootElement.EnumerateArray())
        {
            Assert.Equal("ScoutFunctions.dll", function.GetProperty("scriptFile").GetString());
            var trigger = Assert.Single(function.GetProperty("bindings").EnumerateArray(),
                b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
            string? Text(string name) => trigger.TryGetProperty(name, out var value) ? value.GetString() : null;
            var type = Text("type")!;
            rows.Add(new Row(
                function.GetProperty("name").GetString()!,
                type,
                Text("schedule"),
                trigger.TryGetProperty("runOnStartup", out var runOnStartup) && runOnStartup.GetBoolean(),
                type == "httpTrigger" ? "/" + Text("route") : null,
                type == "httpTrigger" ? string.Join(",", trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).Order()) : null,
                function.GetProperty("entryPoint").GetString()!));
            if (type == "httpTrigger")
                Assert.Contains(function.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString() == "http" && b.GetProperty("direction").GetString() == "Out");
        }
        return rows.OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// What a built self-host runs (its timer functions) and serves (its routes), with the repository's host.json
    /// (routePrefix ""), and every schedule setting set as the Functions host needs it.
    /// </summary>
    private static List<Row> SelfHost(params (string Key, string? Value)[] settings)
    {
        using var app = Program.Build([], ScoutApp.Settings(FreePort.Next(), settings));
        var timers = app.Services.GetServices<ITimerFunction>()
            .Select(t => new Row(t.Name, "timerTrigger", t.Schedule, t.RunOnStartup, null, null, EntryPoint(t.Name)));
        var routes = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => new Row(e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName, "httpTrigger", null, false,
                e.RoutePattern.RawText, string.Join(",", e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Order()), EntryPoint(e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName)));
        return timers.Concat(routes).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    private static string EntryPoint(string function)
    {
        var method = ScoutTable.Functions.Functions.Single(f => f.Name == function).Method;
        return method.DeclaringType!.FullName + "." + method.Name;
    }

    [Fact]
    public void Every_class_of_scout_with_a_function_method_is_one_the_self_host_is_given()
    {
        var declaring = typeof(Program).Assembly.GetExportedTypes()
            .Where(t => t.GetMethods().Any(m => m.IsDefined(typeof(Microsoft.Azure.Functions.Worker.FunctionAttribute), inherit: false)))
            .Select(t => t.FullName!).Order();
        Assert.Equal(declaring, ScoutFunctionClasses.All.Select(c => c.Type.FullName!).Order());
    }

    [Fact]
    public void The_sdk_generated_functions_metadata_lists_exactly_what_the_self_host_runs_and_serves()
    {
        var metadata = Metadata();
        Assert.Equal(
            ["AggregateAnalytics", "AnalyticsAlerts", "AnalyticsSummary", "AnalyticsSystems", "AnalyticsTimeline", "EvaluateAlerts", "Health", "Index", "Metrics", "OpenApi", "PruneRetention", "Ready", "StatusScript", "StatusStyle"],
            metadata.Select(r => r.Name));
        Assert.Equal(metadata, SelfHost(("ALERT_SCHEDULE", "00:05:00"), ("SCOUT_RETENTION_SCHEDULE", "0 0 * * * *")));
    }

    [Fact]
    public void Without_their_own_settings_the_self_host_runs_alerts_and_retention_on_SCOUT_INTERVAL_like_the_go_service()
    {
        var timers = SelfHost().Where(r => r.Trigger == "timerTrigger").ToDictionary(r => r.Name, r => r.Schedule);
        Assert.Equal("%SCOUT_INTERVAL%", timers["AggregateAnalytics"]);
        Assert.Equal("%SCOUT_INTERVAL%", timers["EvaluateAlerts"]);
        Assert.Equal("%SCOUT_INTERVAL%", timers["PruneRetention"]);
    }

    [Fact]
    public void Every_schedule_in_the_metadata_is_a_setting_the_host_resolves_and_the_self_host_reads_too()
    {
        // The Functions host resolves %SETTING% itself and accepts only NCRONTAB or hh:mm:ss there: the
        // schedules are setting names, whose values README and the Functions-host manifests give in those forms.
        Assert.All(Metadata().Where(r => r.Trigger == "timerTrigger"), r => Assert.Matches("^%[A-Z_]+%$", r.Schedule!));
    }
}
