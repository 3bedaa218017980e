using FunctionsSelfHost.Functions;

namespace Scout.Functions;

/// <summary>
/// Scout's function classes, named here so that the self-host published with native AOT keeps and finds them (the
/// Functions host reads the same methods through the SDK's functions.metadata). A test checks that every class of this
/// assembly with a [Function] method is listed.
/// </summary>
public static class ScoutFunctionClasses
{
    public static IReadOnlyList<FunctionClass> All { get; } =
    [
        FunctionClass.Of<AggregateAnalyticsFunction>(),
        FunctionClass.Of<AnalyticsFunctions>(),
        FunctionClass.Of<EvaluateAlertsFunction>(),
        FunctionClass.Of<OpenApiFunctions>(),
        FunctionClass.Of<PruneRetentionFunction>(),
        FunctionClass.Of<ServiceFunctions>(),
        FunctionClass.Of<StatusPageFunctions>(),
        FunctionClass.Of<TimelineFunctions>(),
    ];
}
