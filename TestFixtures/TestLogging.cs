using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Xunit.Abstractions;

namespace TestFixtures;

/// <summary>
/// Keeps an in-process app's logs off the test console: the app's console logger (LOG_FORMAT's JSON or text
/// formatter, unchanged for real use) is replaced by <paramref name="captured"/> and, when the test has one, its
/// <see cref="ITestOutputHelper"/> (shown with a failing test), so a green run prints test results only.
/// </summary>
public static class TestLogging
{
    public static void RouteAwayFromConsole(IServiceCollection services, ILoggerProvider captured, ITestOutputHelper? output = null)
    {
        var console = services.Where(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider)).ToList();
        foreach (var descriptor in console) services.Remove(descriptor);
        services.AddSingleton<ILoggerProvider>(captured);
        if (output is not null) services.AddSingleton<ILoggerProvider>(new TestOutputLogs(output));
    }
}

/// <summary>Each log entry as one line of the test's output; entries after the test ended are dropped.</summary>
public sealed class TestOutputLogs(ITestOutputHelper output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, output);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ITestOutputHelper output) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"[app] {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
            }
            catch (InvalidOperationException)
            {
                // The test has finished: xunit refuses output after it, and the entry has nowhere to go.
            }
        }
    }
}
