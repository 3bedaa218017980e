using FunctionsSelfHost.Functions;
using FunctionsSelfHost.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace FunctionsSelfHost.Http;

/// <summary>The self-host's HTTP front door: one Kestrel route per HTTP function of the table, as its trigger declares it.</summary>
public static class HttpFunctionEndpoints
{
    public static IEndpointRouteBuilder MapHttpFunctions(this IEndpointRouteBuilder routes, FunctionTable table, HostSettings host)
    {
        var group = routes.MapGroup(host.RoutePrefix.Length == 0 ? "" : "/" + host.RoutePrefix);
        foreach (var function in table.Http)
        {
            if (host.IsDisabled(function.Name)) continue;
            var invoker = new FunctionInvoker(function, routes.ServiceProvider);
            group.MapMethods("/" + function.Route, function.Methods!, async context =>
            {
                if (await invoker.InvokeHttpAsync(context) is { } result) await result.ExecuteAsync(context);
            }).WithName(function.Name);
        }
        return routes;
    }
}
