using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsSelfHost.Functions;

/// <summary>
/// An app's functions as their <c>[Function]</c> methods declare them: the one list of names, triggers, routes,
/// methods and schedules. The Functions host reads the same attributes through the SDK's functions.metadata;
/// the self-host reads them here.
/// </summary>
public sealed class FunctionTable
{
    private FunctionTable(IReadOnlyList<FunctionEntry> functions) => Functions = functions;

    public IReadOnlyList<FunctionEntry> Functions { get; }

    public IEnumerable<FunctionEntry> Timers => Functions.Where(f => f.Trigger == FunctionEntry.TimerTrigger);

    public IEnumerable<FunctionEntry> Http => Functions.Where(f => f.Trigger == FunctionEntry.HttpTrigger);

    public static FunctionTable FromClasses(IEnumerable<FunctionClass> classes)
    {
        var functions = new List<FunctionEntry>();
        foreach (var type in classes)
            foreach (var method in type.Type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                if (method.GetCustomAttribute<FunctionAttribute>() is { } function)
                    functions.Add(FunctionEntry.From(function.Name, type, method));
        if (functions.Count == 0) throw new InvalidOperationException("None of the function classes declares a [Function] method");
        var duplicate = functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"Function name {duplicate.Key} is declared more than once");
        return new FunctionTable(functions.OrderBy(f => f.Name, StringComparer.Ordinal).ToList());
    }
}

/// <summary>
/// One function: its method and its trigger, in the terms of functions.metadata (type timerTrigger with
/// schedule and runOnStartup, or httpTrigger with route, methods and authLevel).
/// </summary>
public sealed record FunctionEntry(
    string Name,
    FunctionClass Class,
    MethodInfo Method,
    string Trigger,
    string? Schedule = null,
    bool RunOnStartup = false,
    string? Route = null,
    IReadOnlyList<string>? Methods = null,
    string? AuthLevel = null)
{
    public const string TimerTrigger = "timerTrigger";
    public const string HttpTrigger = "httpTrigger";

    public static FunctionEntry From(string name, FunctionClass type, MethodInfo method)
    {
        foreach (var parameter in method.GetParameters())
        {
            if (parameter.GetCustomAttribute<TimerTriggerAttribute>() is { } timer)
                return new FunctionEntry(name, type, method, TimerTrigger, Schedule: timer.Schedule, RunOnStartup: timer.RunOnStartup);
            if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is { } http)
                return new FunctionEntry(name, type, method, HttpTrigger,
                    // The Functions host's default route is the function's name.
                    Route: http.Route ?? name,
                    Methods: (http.Methods ?? ["get", "post", "put", "delete", "head", "patch", "options"]).Select(m => m.ToUpperInvariant()).ToList(),
                    AuthLevel: http.AuthLevel.ToString());
        }
        throw new InvalidOperationException($"Function {name} ({method.DeclaringType?.Name}.{method.Name}) has no trigger the self-host runs (timer or HTTP)");
    }
}
