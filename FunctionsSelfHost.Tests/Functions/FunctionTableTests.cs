using FunctionsSelfHost.Functions;

namespace FunctionsSelfHost.Tests.Functions;

public sealed class FunctionTableTests
{
    private static readonly FunctionTable Table = FunctionTable.FromClasses(TestFunctionClasses.All);

    [Fact]
    public void Every_function_is_read_from_its_attributes_with_the_functions_hosts_defaults()
    {
        Assert.Equal(["Echo", "Greet", "Sometimes", "Tick"], Table.Functions.Select(f => f.Name));

        var greet = Table.Http.Single(f => f.Name == "Greet");
        Assert.Equal(("greet/{name}", "Anonymous"), (greet.Route, greet.AuthLevel));
        Assert.Equal(["GET"], greet.Methods!);
        // No route: the Functions host routes by the function's name.
        var echo = Table.Http.Single(f => f.Name == "Echo");
        Assert.Equal("Echo", echo.Route);
        Assert.Equal(["POST"], echo.Methods!);

        var tick = Table.Timers.Single(f => f.Name == "Tick");
        Assert.Equal(("%TICK_SCHEDULE%", true), (tick.Schedule, tick.RunOnStartup));
        Assert.False(Table.Timers.Single(f => f.Name == "Sometimes").RunOnStartup);
    }

    [Fact]
    public void Functions_name_the_class_the_self_host_makes_them_from()
    {
        Assert.All(Table.Functions, f => Assert.Equal(f.Method.DeclaringType, f.Class.Type));
    }

    [Fact]
    public void Classes_without_a_function_method_are_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => FunctionTable.FromClasses([FunctionClass.Of<Greeter>()]));
        Assert.Contains("[Function]", error.Message);
    }
}
