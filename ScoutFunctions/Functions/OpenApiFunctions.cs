using Microsoft.Azure.Functions.Worker;
using Scout.OpenApi;

namespace Scout.Functions;

/// <summary>GET /openapi/v1.json: the API's OpenAPI 3.1 document, no auth; a function so both hosts serve it.</summary>
public sealed class OpenApiFunctions(OpenApiDocument document)
{
    [Function("OpenApi")]
    [EndpointListing(8, "OpenAPI 3.1 document of this API")]
    [OpenApiResponse(200, "The OpenAPI document of the functions this Scout serves.")]
    public IResult Document([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi/v1.json")] HttpRequest request) =>
        TypedResults.Bytes(document.Bytes, OpenApiDocumentBuilder.Json);
}
