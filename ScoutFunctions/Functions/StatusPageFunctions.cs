using Microsoft.Azure.Functions.Worker;
using Scout.OpenApi;
using Page = Scout.StatusPage.StatusPage;

namespace Scout.Functions;

/// <summary>GET /status.js and /status.css: the status page's own script and style sheet (see GET / for a browser), no auth.</summary>
public sealed class StatusPageFunctions
{
    [Function("StatusScript")]
    [OpenApiSummary("The status page's script")]
    [OpenApiResponse(200, "The script the status page (GET / for Accept: text/html) runs.", ContentTypes = ["text/javascript"], Headers = ["Content-Security-Policy"])]
    public IResult Script([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "status.js")] HttpRequest request) =>
        Serve(request, Page.Script, Page.ScriptContentType);

    [Function("StatusStyle")]
    [OpenApiSummary("The status page's style sheet")]
    [OpenApiResponse(200, "The style sheet of the status page.", ContentTypes = ["text/css"], Headers = ["Content-Security-Policy"])]
    public IResult Style([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "status.css")] HttpRequest request) =>
        Serve(request, Page.Style, Page.StyleContentType);

    private static IResult Serve(HttpRequest request, byte[] file, string contentType)
    {
        Page.Secure(request.HttpContext.Response);
        return TypedResults.Bytes(file, contentType);
    }
}
