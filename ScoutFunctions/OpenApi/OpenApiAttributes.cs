namespace Scout.OpenApi;

/// <summary>
/// One answer of an HTTP function as the OpenAPI document describes it: its status, the type serialized as its
/// JSON body (its schema comes from the serializer's own contract), other media types and the headers it sets.
/// On a class: an answer of every function of the class.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true)]
public sealed class OpenApiResponseAttribute(int status, string description) : Attribute
{
    public int Status { get; } = status;

    public string Description { get; } = description;

    /// <summary>The record serialized as the body; null for a body that is not Scout's JSON (text, or the document itself).</summary>
    public Type? Body { get; init; }

    public string[] ContentTypes { get; init; } = [OpenApiDocumentBuilder.Json];

    /// <summary>Names of headers this answer sets (always or, as their definition says, sometimes), from <see cref="OpenApiDocumentBuilder.Headers"/>.</summary>
    public string[] Headers { get; init; } = [];
}

/// <summary>A query parameter of an HTTP function (on a class: of each of its functions): optional, a string, with its default.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true)]
public sealed class OpenApiQueryParameterAttribute(string name, string description) : Attribute
{
    public string Name { get; } = name;

    public string Description { get; } = description;

    public string? Default { get; init; }
}

/// <summary>The summary of a function GET / does not list (the listing's description is the summary of the others).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OpenApiSummaryAttribute(string summary) : Attribute
{
    public string Summary { get; } = summary;
}
