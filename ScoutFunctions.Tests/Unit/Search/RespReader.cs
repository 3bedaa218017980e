using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace Scout.Tests.Unit.Search;

/// <summary>
/// Decodes recorded RESP2/RESP3 reply bytes into the <see cref="RedisResult"/> values StackExchange.Redis
/// hands to callers, so the reply parser can be tested on what a real server sent, without a server.
/// </summary>
internal sealed class RespReader
{
    private readonly byte[] _data;
    private int _position;

    private RespReader(byte[] data) => _data = data;

    /// <summary>Reads exactly one reply; trailing bytes are an error (the recording would be misread).</summary>
    public static RedisResult Read(byte[] data)
    {
        var reader = new RespReader(data);
        var result = reader.ReadValue();
        if (reader._position != data.Length)
            throw new FormatException($"{data.Length - reader._position} bytes left after the reply");
        return result;
    }

    private RedisResult ReadValue()
    {
        var type = (char)_data[_position++];
        var line = ReadLine();
        switch (type)
        {
            case '+': return RedisResult.Create(line, ResultType.SimpleString);
            case '-': return RedisResult.Create(line, ResultType.Error);
            case ':': return RedisResult.Create(long.Parse(line, CultureInfo.InvariantCulture), ResultType.Integer);
            case ',': return RedisResult.Create(ParseDouble(line), ResultType.Double);
            case '#': return RedisResult.Create(line == "t", ResultType.Boolean);
            case '(': return RedisResult.Create(line, ResultType.BigInteger);
            case '_': return RedisResult.Create(RedisValue.Null, ResultType.Null);
            case '$': return Blob(line, ResultType.BulkString);
            case '!': return Blob(line, ResultType.BlobError);
            case '=': return Blob(line, ResultType.VerbatimString, skip: 4); // "txt:" format prefix
            case '*': return Aggregate(line, ResultType.Array, 1);
            case '~': return Aggregate(line, ResultType.Set, 1);
            case '>': return Aggregate(line, ResultType.Push, 1);
            case '%': return Aggregate(line, ResultType.Map, 2);
            case '|':
                // An attribute annotates the value that follows; callers see the value.
                Aggregate(line, ResultType.Attribute, 2);
                return ReadValue();
            default: throw new FormatException($"unknown RESP type '{type}' at byte {_position - 1}");
        }
    }

    private RedisResult Blob(string lengthLine, ResultType type, int skip = 0)
    {
        var length = int.Parse(lengthLine, CultureInfo.InvariantCulture);
        if (length < 0) return RedisResult.Create(RedisValue.Null, type);
        var value = _data.AsSpan(_position + skip, length - skip).ToArray();
        _position += length;
        Expect("\r\n");
        return RedisResult.Create(value, type);
    }

    private RedisResult Aggregate(string countLine, ResultType type, int itemsPerEntry)
    {
        var count = int.Parse(countLine, CultureInfo.InvariantCulture);
        if (count < 0) return RedisResult.Create((RedisResult[]?)null!, type);
        var items = new RedisResult[count * itemsPerEntry];
        for (var i = 0; i < items.Length; i++) items[i] = ReadValue();
        return RedisResult.Create(items, type);
    }

    private static double ParseDouble(string text) => text switch
    {
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        "nan" or "-nan" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private string ReadLine()
    {
        var end = _data.AsSpan(_position).IndexOf("\r\n"u8);
        if (end < 0) throw new FormatException($"no CRLF after byte {_position}");
        var line = Encoding.UTF8.GetString(_data, _position, end);
        _position += end + 2;
        return line;
    }

    private void Expect(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        if (!_data.AsSpan(_position).StartsWith(bytes)) throw new FormatException($"expected CRLF at byte {_position}");
        _position += bytes.Length;
    }
}
