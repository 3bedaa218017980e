using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Scout.Tests.Infrastructure;

/// <summary>A Scout process's JSON console log (LOG_FORMAT=json: the framework's formatter, one entry a line) as captured entries.</summary>
public static class NativeLogs
{
    public static CapturedLogs Parse(IEnumerable<string> lines)
    {
        var logs = new CapturedLogs();
        foreach (var line in lines.Where(l => l.StartsWith('{')))
        {
            using var document = JsonDocument.Parse(line);
            var entry = document.RootElement;
            if (!entry.TryGetProperty("Category", out var category) || !entry.TryGetProperty("LogLevel", out var level)) continue;
            // Structured values too, as the in-process capture keeps them: a secret could hide in one the message does not show.
            var values = entry.TryGetProperty("State", out var state) && state.ValueKind == JsonValueKind.Object
                ? string.Join(" ", state.EnumerateObject().Where(p => p.Name != "Message").Select(p => $"{p.Name}={p.Value}"))
                : "";
            var exception = entry.TryGetProperty("Exception", out var error) ? error.ToString() : "";
            logs.Add(new LogEntry(category.GetString() ?? "", Enum.Parse<LogLevel>(level.GetString() ?? "None"),
                entry.TryGetProperty("Message", out var message) ? message.GetString() ?? "" : "", values + " " + exception));
        }
        return logs;
    }
}
