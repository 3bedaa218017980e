using FunctionsSelfHost.Functions;
using FunctionsSelfHost.Settings;


namespace Scout.OpenApi;

/// <summary>The document this process serves: built once, on first request, for its function table and host settings.</summary>
public sealed class OpenApiDocument(FunctionTable table, HostSettings host)
{
    private readonly Lazy<byte[]> _bytes = new(() => OpenApiDocumentBuilder.Build(table, host));

    public byte[] Bytes => _bytes.Value;
}
