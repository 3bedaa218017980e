using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Scout.Tests.Deployment;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// Whether a real response is one the OpenAPI document describes: the operation for its path and method (or the
/// document's answers for unrouted requests), a response for its status, each required header with a valid value,
/// a declared media type, and a JSON body valid against that response's schema (JSON Schema draft 2020-12).
/// </summary>
public sealed class OpenApiConformance
{
    public const string CommittedPath = "docs/openapi/v1.json";

    private const string UnroutedExtension = Scout.OpenApi.OpenApiDocumentBuilder.UnroutedExtension;

    private static readonly Lazy<OpenApiConformance> CommittedDocument = new(() => new(File.ReadAllText(RepositoryFiles.PathOf(CommittedPath))));

    /// <summary>The documents that apps started in this test run serve, by their address (see <see cref="ScoutApp"/>).</summary>
    private static readonly ConcurrentDictionary<string, OpenApiConformance> Served = new();

    private readonly JsonNode _document;
    private readonly string _basePath;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();

    public OpenApiConformance(string document)
    {
        _document = JsonNode.Parse(document) ?? throw new ArgumentException("empty document");
        // Paths are relative to the server URL, where the Functions route prefix goes.
        _basePath = (_document["servers"]?[0]?["url"]?.GetValue<string>() ?? "/").TrimEnd('/');
    }

    /// <summary>The document committed in the repository.</summary>
    public static OpenApiConformance Committed => CommittedDocument.Value;

    /// <summary>Checks responses from <paramref name="address"/> against the document that app serves (its route prefix, its enabled functions).</summary>
    public static void Register(Uri address, byte[] document) => Served[address.Authority] = new(System.Text.Encoding.UTF8.GetString(document));

    public static void Unregister(Uri address) => Served.TryRemove(address.Authority, out _);

    /// <summary>The document of the app at that address if a test started it in process, else the committed one.</summary>
    public static OpenApiConformance For(Uri address) => Served.GetValueOrDefault(address.Authority) ?? Committed;

    /// <summary>Fails the test unless the document describes this real response.</summary>
    public static async Task AssertDescribedAsync(HttpResponseMessage response)
    {
        var request = response.RequestMessage ?? throw new InvalidOperationException("the response has no request");
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        var body = await response.Content.ReadAsStringAsync();
        For(request.RequestUri!).AssertDescribed(request.Method.Method, request.RequestUri!.AbsolutePath, (int)response.StatusCode, headers, body);
    }

    public void AssertDescribed(string method, string path, int status, IReadOnlyDictionary<string, string> headers, string body)
    {
        var problems = Check(method, path, status, headers, body);
        Assert.True(problems.Count == 0,
            $"{method} {path} answered {status}, not as the OpenAPI document says:\n  {string.Join("\n  ", problems)}\nbody: {Truncate(body)}");
    }

    /// <summary>What the document does not describe in this response; empty when it describes it all.</summary>
    public IReadOnlyList<string> Check(string method, string path, int status, IReadOnlyDictionary<string, string> headers, string body)
    {
        var headerLookup = new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
        var (response, where) = FindResponse(method, path, status);
        if (response is null) return [where];

        var problems = new List<string>();
        if (response["headers"] is JsonObject declared)
            foreach (var (name, header) in declared)
            {
                if (!headerLookup.TryGetValue(name, out var value))
                {
                    if (header?["required"]?.GetValue<bool>() == true) problems.Add($"{where}: required header {name} is missing");
                    continue;
                }
                problems.AddRange(Validate(header!["schema"]!, HeaderValue(value, header["schema"]!), $"{where}: header {name}"));
            }

        // A HEAD answer carries the headers of its GET, never a body.
        if (method.Equals("HEAD", StringComparison.OrdinalIgnoreCase)) return problems;
        if (response["content"] is not JsonObject content)
        {
            if (body.Length > 0) problems.Add($"{where}: declares no body, but one came");
            return problems;
        }
        var mediaType = headerLookup.GetValueOrDefault("Content-Type")?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is null || content[mediaType] is not JsonObject media)
        {
            problems.Add($"{where}: content type {mediaType ?? "(none)"} is not one of {string.Join(", ", content.Select(c => c.Key))}");
            return problems;
        }
        if (mediaType == "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal))
        {
            JsonElement json;
            try
            {
                json = JsonDocument.Parse(body).RootElement;
            }
            catch (JsonException error)
            {
                problems.Add($"{where}: body is not JSON: {error.Message}");
                return problems;
            }
            problems.AddRange(Validate(media["schema"]!, json, $"{where}: body"));
        }
        else if (media["schema"]?["type"]?.GetValue<string>() != "string")
            problems.Add($"{where}: {mediaType} body with a schema this check cannot apply");
        return problems;
    }

    /// <summary>The response object for the status: of the operation, else of the document's unrouted answers.</summary>
    private (JsonObject? Response, string Where) FindResponse(string method, string path, int status)
    {
        var code = status.ToString(CultureInfo.InvariantCulture);
        var paths = _document["paths"]!.AsObject();
        var relative = path.StartsWith(_basePath + "/", StringComparison.OrdinalIgnoreCase) ? path[_basePath.Length..] : null;
        // Routing matches paths case-insensitively and with or without a trailing slash.
        var item = relative is null ? null : paths.FirstOrDefault(p =>
            string.Equals(p.Key.TrimEnd('/'), relative.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)).Value as JsonObject;
        if (item is null)
            return (Unrouted(code, "404"), $"{method} {path}: the document has no such path, and unrouted paths answer 404, not {code}");
        if (item[method.ToLowerInvariant()] is not JsonObject operation)
            return (Unrouted(code, "405"), $"{method} {path}: the path has no {method} operation, and undeclared methods answer 405, not {code}");
        var responses = operation["responses"]!.AsObject();
        var response = responses[code] ?? responses[code[0] + "XX"] ?? responses["default"];
        return (response as JsonObject, $"{method} {path} {code}" + (response is null ? $": not a documented response (documented: {string.Join(", ", responses.Select(r => r.Key))})" : ""));
    }

    private JsonObject? Unrouted(string code, string expected) => code == expected ? _document[UnroutedExtension]?[code] as JsonObject : null;

    private IEnumerable<string> Validate(JsonNode schema, JsonElement instance, string where)
    {
        var text = schema.ToJsonString();
        var compiled = _schemas.GetOrAdd(text, _ =>
        {
            var inlined = Inline(schema.DeepClone(), 0)!.AsObject();
            inlined["$schema"] = "https://json-schema.org/draft/2020-12/schema";
            return JsonSchema.FromText(inlined.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        });
        var result = compiled.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (result.IsValid) return [];
        var errors = (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{where} at '{d.InstanceLocation}' ({d.EvaluationPath}): {e.Value}"))
            .ToList();
        return errors.Count > 0 ? errors : [$"{where} is not valid against {text}"];
    }

    /// <summary>The schema with each local $ref replaced by what it points at, so it validates on its own.</summary>
    private JsonNode? Inline(JsonNode? node, int depth)
    {
        if (depth > 64) throw new InvalidOperationException("$ref nesting too deep (a recursive schema?)");
        switch (node)
        {
            case JsonObject obj when obj["$ref"] is JsonValue reference && reference.GetValue<string>().StartsWith("#/", StringComparison.Ordinal):
                return Inline(Resolve(reference.GetValue<string>()).DeepClone(), depth + 1);
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList()) obj[key] = Inline(obj[key]?.DeepClone(), depth + 1);
                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++) array[i] = Inline(array[i]?.DeepClone(), depth + 1);
                return array;
            default:
                return node;
        }
    }

    private JsonNode Resolve(string reference)
    {
        JsonNode? node = _document;
        foreach (var token in reference[2..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")))
            node = node is JsonArray array ? array[int.Parse(token, CultureInfo.InvariantCulture)] : node?[token];
        return node ?? throw new InvalidOperationException($"$ref {reference} points at nothing in the document");
    }

    /// <summary>A header's text as the JSON value its schema speaks of: a number for integer schemas, else a string.</summary>
    private static JsonElement HeaderValue(string value, JsonNode schema) =>
        schema["type"]?.GetValue<string>() is "integer" or "number" && decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? JsonSerializer.SerializeToElement(number)
            : JsonSerializer.SerializeToElement(value);

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500] + "…";
}
