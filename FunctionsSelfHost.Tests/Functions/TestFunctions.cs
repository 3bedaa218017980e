using FunctionsSelfHost.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsSelfHost.Tests.Functions;

/// <summary>A singleton the test functions get from dependency injection, as an app's functions get their services.</summary>
public sealed class Greeter
{
    public string Greet(string name) => $"hello {name}";
}

/// <summary>The self-host's test app: HTTP and timer functions declared as an isolated-worker app declares them.</summary>
public sealed class TestFunctions(Greeter greeter)
{
    public static int Ticks;

    [Function("Greet")]
    public IResult Greet([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "greet/{name}")] HttpRequest request) =>
        Results.Text(greeter.Greet((string)request.RouteValues["name"]!));

    [Function("Echo")]
    public async Task<IResult> EchoAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post")] HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        return Results.Text(await reader.ReadToEndAsync(cancellationToken));
    }

    [Function("Tick")]
    public void Tick([TimerTrigger("%TICK_SCHEDULE%", RunOnStartup = true)] TimerInfo timer) => Interlocked.Increment(ref Ticks);
}

/// <summary>A timer function whose class says when it cannot run.</summary>
public sealed class SometimesFunction : IConditionalFunction
{
    public static string? Reason { get; set; } = "switched off by the test";

    public string? DisabledReason => Reason;

    [Function("Sometimes")]
    public Task RunAsync([TimerTrigger("0 0 * * * *")] TimerInfo timer, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The test app's function classes, as an app hands them to the self-host.</summary>
public static class TestFunctionClasses
{
    public static IReadOnlyList<FunctionClass> All { get; } = [FunctionClass.Of<TestFunctions>(), FunctionClass.Of<SometimesFunction>()];
}
