using System.Collections;

namespace FunctionsSelfHost.Timers;

/// <summary>
/// The log scope of one timer invocation: its fields for structured logs, and a readable line where a formatter prints
/// the scope itself (the JSON console formatter writes its text as "Message"; a dictionary printed its type name).
/// </summary>
internal sealed class InvocationScope(string function, Guid invocationId) : IReadOnlyList<KeyValuePair<string, object>>
{
    private readonly KeyValuePair<string, object>[] _fields = [new("Function", function), new("InvocationId", invocationId)];

    public int Count => _fields.Length;

    public KeyValuePair<string, object> this[int index] => _fields[index];

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object>>)_fields).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{function} {invocationId}";
}
