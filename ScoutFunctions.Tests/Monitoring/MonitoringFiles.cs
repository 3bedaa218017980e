using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Scout.Tests.Deployment;
using YamlDotNet.RepresentationModel;

namespace Scout.Tests.Monitoring;

/// <summary>The monitoring Scout ships (monitoring/): the alert rules, their promtool tests and the Grafana dashboard.</summary>
public static partial class MonitoringFiles
{
    public const string Rules = "monitoring/scout-alerts.rules.yaml";
    public const string RuleTests = "monitoring/scout-alerts.test.yaml";
    public const string Dashboard = "monitoring/scout-dashboard.json";

    public sealed record AlertRule(string Name, string Expr, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations);

    /// <summary>One query of a dashboard panel (or of a template variable), with where it is.</summary>
    public sealed record PanelQuery(string Where, string Expr);

    public static YamlMappingNode LoadYaml(string relative)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(RepositoryFiles.Read(relative));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    public static IReadOnlyList<AlertRule> AlertRules() =>
        [.. Sequence(LoadYaml(Rules), "groups").SelectMany(g => Sequence((YamlMappingNode)g, "rules")).Cast<YamlMappingNode>()
            .Select(r => new AlertRule(Scalar(r, "alert") ?? throw new InvalidOperationException($"{Rules}: a rule without alert (recording rules do not belong here)"),
                Scalar(r, "expr")!, Map(r, "labels"), Map(r, "annotations")))];

    public static JsonObject LoadDashboard() => JsonNode.Parse(RepositoryFiles.Read(Dashboard))!.AsObject();

    /// <summary>Every PromQL expression of the dashboard: each panel target, including panels inside rows.</summary>
    public static IReadOnlyList<PanelQuery> DashboardQueries(JsonObject dashboard)
    {
        var queries = new List<PanelQuery>();
        void Walk(JsonArray? panels)
        {
            foreach (var panel in panels ?? [])
            {
                foreach (var target in panel!["targets"]?.AsArray() ?? [])
                    queries.Add(new PanelQuery($"panel {panel["id"]} \"{panel["title"]}\" target {target!["refId"]}", (string)target["expr"]!));
                Walk(panel["panels"]?.AsArray());
            }
        }
        Walk(dashboard["panels"]!.AsArray());
        return queries;
    }

    /// <summary>The metrics the dashboard's query variables read (label_values(metric, label)).</summary>
    public static IReadOnlyList<PanelQuery> VariableQueries(JsonObject dashboard) =>
        [.. dashboard["templating"]!["list"]!.AsArray().Where(v => (string?)v!["type"] == "query")
            .Select(v => new PanelQuery($"variable {v!["name"]}", (string)v["definition"]!))];

    /// <summary>
    /// A Grafana query as Prometheus receives it: Grafana's interval variables become durations, and template
    /// variables (used only inside regex label matchers) become ".*", what "All" sends.
    /// </summary>
    public static string AsPrometheusReceivesIt(string expr) => TemplateVariable().Replace(IntervalVariable().Replace(expr, "5m"), ".*");

    /// <summary>
    /// The metric names an expression reads. Removes what can hold other identifiers (string literals, label
    /// matchers, range and subquery brackets, by/without/on/ignoring/group_x label lists), then keeps the
    /// identifiers that are not keywords and not function or aggregation calls.
    /// </summary>
    public static IReadOnlySet<string> MetricNames(string expr)
    {
        var text = StringLiteral().Replace(AsPrometheusReceivesIt(expr), " ");
        text = LabelMatchers().Replace(text, " ");
        text = Brackets().Replace(text, " ");
        text = LabelList().Replace(text, " ");
        return Identifier().Matches(text).Select(m => m.Value).Where(name => !Keywords.Contains(name)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The metric a label_values(metric, label) variable query reads.</summary>
    public static string LabelValuesMetric(string definition)
    {
        var match = LabelValues().Match(definition);
        if (!match.Success) throw new InvalidOperationException($"not a label_values(metric, label) query: {definition}");
        return match.Groups[1].Value;
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
        { "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "inf", "nan", "atan2" };

    private static IEnumerable<YamlNode> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlSequenceNode)value).Children : [];

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    private static Dictionary<string, string> Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value)
            ? ((YamlMappingNode)value).Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value ?? "")
            : [];

    [GeneratedRegex(@"\$__\w+")]
    private static partial Regex IntervalVariable();

    [GeneratedRegex(@"\$\{?\w+\}?")]
    private static partial Regex TemplateVariable();

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*'|`[^`]*`")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^{}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\[\]]*\]")]
    private static partial Regex Brackets();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", RegexOptions.IgnoreCase)]
    private static partial Regex LabelList();

    // Atomic, so "rate(" is not read as the metric "rat"; not after a digit or dot, so "15m" and "1e3" are numbers.
    [GeneratedRegex(@"(?<![\w:.])(?>[a-zA-Z_:][a-zA-Z0-9_:]*)(?!\s*\()")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"^\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{[^}]*\})?\s*,\s*\w+\s*\)\s*$")]
    private static partial Regex LabelValues();
}
