namespace Scout.Tests.Infrastructure;

/// <summary>Checks every answer an HttpClient receives against the OpenAPI document (see <see cref="OpenApiConformance"/>).</summary>
public sealed class OpenApiConformanceHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        // Buffered here, so the test reads the same body afterwards.
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        await OpenApiConformance.AssertDescribedAsync(response);
        return response;
    }
}
