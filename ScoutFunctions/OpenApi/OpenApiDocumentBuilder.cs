using System.Buffers;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using FunctionsSelfHost.Functions;
using FunctionsSelfHost.Settings;
using Scout.Analytics;
using Scout.Http;

namespace Scout.OpenApi;

/// <summary>
/// The OpenAPI 3.1 document of Scout's HTTP functions, built from the function table (routes, methods, the
/// [EndpointListing] summary and auth, the [OpenApi*] attributes) and each body's JSON Schema from
/// System.Text.Json's JsonSchemaExporter over the options that write it.
/// Why not Microsoft.AspNetCore.OpenApi: it describes ASP.NET Core's endpoint metadata, which only the self-host has;
/// under the Functions host the routes are the host's. The function table is what both hosts serve, and the exporter
/// reads the same serializer contract that writes the bodies, so one builder gives both hosts the same document
/// with no new dependency.
/// </summary>
public static class OpenApiDocumentBuilder
{
    public const string Json = "application/json";

    /// <summary>The version of the API contract (not of the build), so the committed copy does not change with every build.</summary>
    public const string ApiVersion = "1.0.0";

    public const string BearerScheme = "bearerAuth";

    /// <summary>Where the self-host's routing answers requests no function declares (the Functions host answers those itself).</summary>
    public const string UnroutedExtension = "x-scout-unrouted-responses";

    /// <summary>The headers answers set, by name, each required or not; each use takes a DeepClone (a JSON node has one parent).</summary>
    public static IReadOnlyDictionary<string, JsonObject> Headers { get; } = new Dictionary<string, JsonObject>
    {
        ["WWW-Authenticate"] = Header("The scheme to authenticate with.", required: true, new() { ["type"] = "string", ["const"] = "Bearer" }),
        ["Retry-After"] = Header("Seconds to wait before asking again: the aggregation interval, or 5 when the store did not answer.",
            required: true, new() { ["type"] = "integer", ["minimum"] = 1 }),
        [AnalyticsViews.StaleHeader] = Header(
            "Set when the snapshot served is older than it should be (Redis or the aggregation is down): the numbers are as of lastUpdated.",
            required: false, new() { ["type"] = "string", ["const"] = "true" }),
        ["Allow"] = Header("The methods the path answers.", required: true, new() { ["type"] = "string" }),
        ["Content-Security-Policy"] = Header(
            "On the status page and its files: only this Scout's own script, style sheet and API, no inline script, nothing from another host.",
            required: false, new() { ["type"] = "string" }),
    };

    private static JsonObject Header(string description, bool required, JsonObject schema) => new()
    {
        ["description"] = description,
        ["required"] = required,
        ["schema"] = schema,
    };

    /// <summary>
    /// The string members that hold RFC 3339 UTC timestamps (written by MessageTimestamp.Rfc3339), by declaring type and
    /// JSON name: "format": "date-time" tells clients and validators so. Kept here rather than as attributes on the
    /// records, which stay the plain shapes of the Go service's responses.
    /// </summary>
    private static readonly HashSet<(Type Type, string Name)> Timestamps = new[]
    {
        (typeof(Analytics.SummaryView), nameof(Analytics.SummaryView.LastUpdated)),
        (typeof(Analytics.SummaryView), nameof(Analytics.SummaryView.WindowStart)),
        (typeof(Analytics.SystemsView), nameof(Analytics.SystemsView.LastUpdated)),
        (typeof(Analytics.AlertsView), nameof(Analytics.AlertsView.LastUpdated)),
        (typeof(Analytics.TimelineView), nameof(Analytics.TimelineView.WindowStart)),
        (typeof(Analytics.TimelineView), nameof(Analytics.TimelineView.LastUpdated)),
        (typeof(Analytics.TimelinePoint), nameof(Analytics.TimelinePoint.Start)),
        (typeof(Health.AggregationHealth), nameof(Health.AggregationHealth.At)),
        (typeof(Counting.Reconciliation), nameof(Counting.Reconciliation.At)),
        (typeof(Health.SnapshotHealth), nameof(Health.SnapshotHealth.LastUpdated)),
        (typeof(Health.SnapshotHealth), nameof(Health.SnapshotHealth.ReadAt)),
        (typeof(Health.ProfileHealth), nameof(Health.ProfileHealth.AppliedAt)),
        (typeof(Health.FunctionHealth), nameof(Health.FunctionHealth.LastRun)),
        (typeof(Health.FunctionHealth), nameof(Health.FunctionHealth.NextRun)),
    }.Select(m => (m.Item1, ScoutJson.Options.PropertyNamingPolicy!.ConvertName(m.Item2))).ToHashSet();

    /// <summary>The document as served: the enabled HTTP functions, under the route prefix, indented UTF-8 JSON ending in a newline.</summary>
    public static byte[] Build(FunctionTable table, HostSettings host)
    {
        var schemas = new SchemaSet();
        var paths = new JsonObject();
        var functions = table.Http
            .Where(f => !host.IsDisabled(f.Name))
            .OrderBy(f => f.Method.GetCustomAttribute<EndpointListingAttribute>()?.Order ?? 0)
            .ThenBy(f => f.Route, StringComparer.Ordinal);
        foreach (var function in functions)
        {
            var path = "/" + function.Route;
            var item = paths[path] as JsonObject ?? new JsonObject();
            paths[path] = item;
            foreach (var method in function.Methods!) item[method.ToLowerInvariant()] = Operation(function, schemas);
        }

        var document = new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject
            {
                ["title"] = "homerun2 Scout analytics API",
                ["version"] = ApiVersion,
                ["description"] =
                    "Analytics of the homerun2 platform's messages, served from snapshots that Scout aggregates from RediSearch " +
                    "once per interval. Every error body is `{\"error\": \"...\"}`. Paths no function declares answer 404 and " +
                    "methods a path does not declare answer 405, both with that body (see `" + UnroutedExtension + "`; " +
                    "under the Azure Functions host those two are the host's own answers).",
            },
            ["servers"] = new JsonArray(new JsonObject
            {
                ["url"] = host.RoutePrefix.Length == 0 ? "/" : "/" + host.RoutePrefix,
                ["description"] = "This Scout (the Functions route prefix, if any)",
            }),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = schemas.Components,
                ["securitySchemes"] = new JsonObject
                {
                    [BearerScheme] = new JsonObject
                    {
                        ["type"] = "http",
                        ["scheme"] = "bearer",
                        ["description"] = "AUTH_TOKEN; the scheme is case-insensitive. With AUTH_TOKEN empty the analytics API is open.",
                    },
                },
            },
            [UnroutedExtension] = new JsonObject
            {
                ["404"] = Response(new OpenApiResponseAttribute(404, "No function has this path.") { Body = typeof(Http.ErrorResponse) }, schemas),
                ["405"] = Response(new OpenApiResponseAttribute(405, "The path exists, not for this method.")
                    { Body = typeof(Http.ErrorResponse), Headers = ["Allow"] }, schemas),
            },
        };
        // Relaxed escaping: a document for people to read and diff (it is never embedded in HTML).
        var bytes = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(bytes, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            document.WriteTo(writer);
        bytes.Write("\n"u8);
        return bytes.WrittenSpan.ToArray();
    }

    private static JsonObject Operation(FunctionEntry function, SchemaSet schemas)
    {
        var listing = function.Method.GetCustomAttribute<EndpointListingAttribute>();
        var summary = listing?.Description ?? function.Method.GetCustomAttribute<OpenApiSummaryAttribute>()?.Summary
            ?? throw new InvalidOperationException($"Function {function.Name} has neither [EndpointListing] nor [OpenApiSummary]");
        var operation = new JsonObject
        {
            ["operationId"] = function.Name,
            ["summary"] = summary,
        };
        var parameters = Declared<OpenApiQueryParameterAttribute>(function).ToList();
        if (parameters.Count > 0)
            operation["parameters"] = new JsonArray(parameters.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name,
                ["in"] = "query",
                ["required"] = false,
                ["description"] = p.Description,
                ["schema"] = p.Default is null ? new JsonObject { ["type"] = "string" } : new JsonObject { ["type"] = "string", ["default"] = p.Default },
            }).ToArray());
        // GET / lists the same auth; an empty list says explicitly that the operation needs none.
        operation["security"] = listing?.Auth == "bearer"
            ? new JsonArray(new JsonObject { [BearerScheme] = new JsonArray() })
            : new JsonArray();
        var responses = new JsonObject();
        foreach (var response in Declared<OpenApiResponseAttribute>(function).OrderBy(r => r.Status))
            responses[response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = Response(response, schemas);
        if (responses.Count == 0) throw new InvalidOperationException($"Function {function.Name} declares no [OpenApiResponse]");
        operation["responses"] = responses;
        return operation;
    }

    /// <summary>The attributes on the function's method and on its class (shared by the class's functions).</summary>
    private static IEnumerable<T> Declared<T>(FunctionEntry function) where T : Attribute =>
        function.Method.GetCustomAttributes<T>().Concat(function.Method.DeclaringType!.GetCustomAttributes<T>());

    private static JsonObject Response(OpenApiResponseAttribute response, SchemaSet schemas)
    {
        var content = new JsonObject();
        foreach (var type in response.ContentTypes)
            content[type] = new JsonObject
            {
                // The body type is the JSON one; another media type of the same answer (the page GET / answers a browser with) is text.
                ["schema"] = response.Body is { } body && type == Json ? schemas.Reference(body)
                    : type == Json ? new JsonObject { ["type"] = "object" } : new JsonObject { ["type"] = "string" },
            };
        var result = new JsonObject { ["description"] = response.Description };
        if (response.Headers.Length > 0)
            result["headers"] = new JsonObject(response.Headers.Select(h => KeyValuePair.Create(h, (JsonNode?)Headers[h].DeepClone())));
        result["content"] = content;
        return result;
    }

    /// <summary>The body types met so far, each exported once into components/schemas under its type name.</summary>
    private sealed class SchemaSet
    {
        // The serializer's options with what the exporter needs to tell the truth: numbers are written as numbers
        // (the web defaults also read them from strings), and nullable annotations and constructor parameters are honoured.
        private static readonly JsonSerializerOptions Options = new(ScoutJson.Options)
        {
            NumberHandling = JsonNumberHandling.Strict,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
        };

        public JsonObject Components { get; } = new();

        public JsonObject Reference(Type type)
        {
            if (!Components.ContainsKey(type.Name))
                Components[type.Name] = Export(type);
            return new JsonObject { ["$ref"] = "#/components/schemas/" + type.Name };
        }

        private static JsonNode Export(Type type)
        {
            // Bodies and the elements of their lists and maps are never null (the runtime cannot see the nullability of generic arguments).
            var schema = Options.GetJsonSchemaAsNode(type, new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true, TransformSchemaNode = OmittedNulls });
            RebaseReferences(schema, "#/components/schemas/" + type.Name);
            return schema;
        }

        /// <summary>
        /// Timestamps say so. Null members are left out of the body (WhenWritingNull), never written as null: such a
        /// member is optional and, when present, not null. Objects have exactly the members their record declares.
        /// </summary>
        private static JsonNode OmittedNulls(JsonSchemaExporterContext context, JsonNode schema)
        {
            if (schema is JsonObject timestamp && context.PropertyInfo is { } member && Timestamps.Contains((member.DeclaringType, member.Name)))
                timestamp["format"] = "date-time";
            if (schema is not JsonObject obj || obj["properties"] is not JsonObject properties) return schema;
            var required = obj["required"] as JsonArray;
            foreach (var (name, property) in properties)
            {
                if (property is not JsonObject { } p || p["type"] is not JsonArray types || !types.Any(t => t?.GetValue<string>() == "null")) continue;
                var rest = types.Where(t => t?.GetValue<string>() != "null").Select(t => t!.GetValue<string>()).ToList();
                p["type"] = rest.Count == 1 ? rest[0] : new JsonArray(rest.Select(t => (JsonNode)t).ToArray());
                if (p["default"] is null && p.ContainsKey("default")) p.Remove("default");
                var entry = required?.FirstOrDefault(r => r?.GetValue<string>() == name);
                if (entry is not null) required!.Remove(entry);
            }
            if (required is { Count: 0 }) obj.Remove("required");
            obj["additionalProperties"] ??= false;
            return schema;
        }

        /// <summary>The exporter's references point into the exported schema; in the document that schema sits under components.</summary>
        private static void RebaseReferences(JsonNode? node, string root)
        {
            switch (node)
            {
                case JsonObject obj:
                    if (obj["$ref"] is JsonValue reference && reference.GetValue<string>() is { } target && target.StartsWith('#'))
                        obj["$ref"] = root + target[1..];
                    foreach (var (_, child) in obj) RebaseReferences(child, root);
                    break;
                case JsonArray array:
                    foreach (var child in array) RebaseReferences(child, root);
                    break;
            }
        }
    }
}
