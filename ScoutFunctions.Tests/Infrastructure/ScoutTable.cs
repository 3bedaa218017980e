using FunctionsSelfHost.Functions;
using Scout.Functions;

namespace Scout.Tests.Infrastructure;

/// <summary>Scout's functions as both hosts read them: the [Function] methods of Scout's function classes.</summary>
public static class ScoutTable
{
    public static FunctionTable Functions { get; } = FunctionTable.FromClasses(ScoutFunctionClasses.All);
}
