using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Scout.Tests.Integration.Load;

/// <summary>
/// Sends request bytes exactly as written over a loopback socket: HttpClient would normalise dot segments,
/// validate header values and refuse some methods, which is what hostile clients do not do.
/// </summary>
public static class RawHttp
{
    public sealed record Response(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public string? ContentType => Headers.GetValueOrDefault("content-type");
    }

    /// <summary>Sends "{requestLine}\r\n{headers}\r\n\r\n" with Host and Connection: close, reads until the server closes.</summary>
    public static async Task<Response> SendAsync(Uri address, string requestLine, params string[] headers)
    {
        using var client = new TcpClient();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(IPAddress.Loopback, address.Port, bound.Token);
        var stream = client.GetStream();
        var text = new StringBuilder(requestLine).Append("\r\n");
        if (!headers.Any(h => h.StartsWith("Host:", StringComparison.OrdinalIgnoreCase)))
            text.Append("Host: ").Append(address.Authority).Append("\r\n");
        foreach (var header in headers) text.Append(header).Append("\r\n");
        text.Append("Connection: close\r\n\r\n");
        try
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), bound.Token);
        }
        catch (IOException)
        {
            // Kestrel may answer and close before it has read all of an oversized request.
        }
        var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, bound.Token);
        }
        catch (IOException)
        {
            // A reset after the response was sent: what was read is the answer.
        }
        return Parse(received.ToArray());
    }

    private static Response Parse(byte[] raw)
    {
        var end = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(end > 0, $"no HTTP response head in: {Encoding.UTF8.GetString(raw[..Math.Min(raw.Length, 200)])}");
        var lines = Encoding.ASCII.GetString(raw, 0, end).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1]);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        var body = raw[(end + 4)..];
        if (headers.GetValueOrDefault("transfer-encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
            body = Dechunk(body);
        return new Response(status, headers, Encoding.UTF8.GetString(body));
    }

    /// <summary>Chunk sizes count bytes, so the body is reassembled before it is decoded.</summary>
    private static byte[] Dechunk(byte[] chunked)
    {
        var body = new MemoryStream();
        var position = 0;
        while (position < chunked.Length)
        {
            var lineEnd = chunked.AsSpan(position).IndexOf("\r\n"u8);
            if (lineEnd < 0) break;
            var size = Convert.ToInt32(Encoding.ASCII.GetString(chunked, position, lineEnd).Split(';')[0], 16);
            if (size == 0) break;
            body.Write(chunked, position + lineEnd + 2, size);
            position += lineEnd + 2 + size + 2;
        }
        return body.ToArray();
    }
}
