using FunctionsSelfHost.Settings;
using Microsoft.Extensions.Configuration;
using Scout.Observability;

namespace Scout.Tests.Unit.Configuration;

/// <summary>Scout's host.json, as both hosts read it.</summary>
public sealed class HostJsonTests
{
    [Fact]
    public void The_repositorys_host_json_gives_a_five_minute_timeout_and_the_go_services_routes()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Scout.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var settings = HostSettings.From(new ConfigurationBuilder().AddJsonFile(Path.Combine(dir.FullName, "host.json")).Build(), BuildInfo.ServiceName);

        Assert.Equal(TimeSpan.FromMinutes(5), settings.FunctionTimeout);
        Assert.Equal("", settings.RoutePrefix); // routes equal the Go service's: /analytics/summary, not /api/analytics/summary
    }
}
