namespace Scout.Search;

/// <summary>
/// Recognizes the query engine's error replies. Redis 8's query engine starts every error with a code
/// (<c>SEARCH_INDEX_NOT_FOUND Index not found: messages</c>); RediSearch 2.x (Redis Stack 6.2–7.4) sent English text
/// only (<c>Unknown Index name</c>, <c>no such index</c>). The code is read first; the older texts are kept.
/// Free of Scout's services: the sample producer compiles this file too.
/// </summary>
internal static class SearchErrors
{
    public const string IndexNotFound = "SEARCH_INDEX_NOT_FOUND";
    public const string IndexExists = "SEARCH_INDEX_EXISTS";
    public const string Timeout = "SEARCH_TIMEOUT";
    public const string NoPermission = "NOPERM";

    /// <summary>The reply's leading code (<c>SEARCH_INDEX_NOT_FOUND</c>, <c>ERR</c>, <c>NOPERM</c>), or "" when it starts with plain text.</summary>
    public static string Code(string message)
    {
        var end = message.IndexOf(' ');
        var word = end < 0 ? message : message[..end];
        return word.Length >= 2 && word.All(c => c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_') ? word : "";
    }

    public static bool IsMissingIndex(string message) =>
        Code(message) == IndexNotFound
        || message.Contains("unknown index name", StringComparison.OrdinalIgnoreCase)
        || message.Contains("no such index", StringComparison.OrdinalIgnoreCase);

    public static bool IsIndexExists(string message) =>
        Code(message) == IndexExists || message.Contains("index already exists", StringComparison.OrdinalIgnoreCase);

    /// <summary>The engine gave up at the query's TIMEOUT (the FAIL policy's error, not the RETURN policy's partial reply).</summary>
    public static bool IsTimeout(string message) =>
        Code(message) == Timeout || message.Contains("timeout limit was reached", StringComparison.OrdinalIgnoreCase);

    /// <summary>The Redis user may not run the command, or (Redis 8) may not read every key the index covers.</summary>
    public static bool IsPermissionDenied(string message) => Code(message) == NoPermission;

    /// <summary>Redis without the query engine: FT.* is an unknown command.</summary>
    public static bool IsMissingModule(string message) =>
        Code(message) is "ERR" or "" && message.Contains("unknown command", StringComparison.OrdinalIgnoreCase);
}
