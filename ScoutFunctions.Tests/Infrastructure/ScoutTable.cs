using FunctionsSelfHost.Functions;

namespace Scout.Tests.Infrastructure;

/// <summary>Scout's functions as both hosts read them: the [Function] methods of Scout's assembly.</summary>
public static class ScoutTable
{
    public static FunctionTable Functions { get; } = FunctionTable.FromAssembly(typeof(Program).Assembly);
}
