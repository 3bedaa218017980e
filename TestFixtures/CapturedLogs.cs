using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TestFixtures;

/// <summary>Every log entry the app writes, as rendered text, so tests can read warnings and look for leaked secrets.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public IEnumerable<LogEntry> From<T>() => Entries.Where(e => e.Category == typeof(T).FullName);

    /// <summary>An entry logged elsewhere, e.g. a line of a process's JSON console log.</summary>
    public void Add(LogEntry entry) => _entries.Enqueue(entry);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Structured values too: a secret could hide in a property the message template does not show.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception), values + " " + exception));
        }
    }
}

public sealed record LogEntry(string Category, LogLevel Level, string Message, string Details)
{
    public override string ToString() => $"{Level} {Category}: {Message}";
}
