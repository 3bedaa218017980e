using System.Text;
using FunctionsSelfHost.Settings;
using Microsoft.Extensions.Configuration;

namespace FunctionsSelfHost.Tests.Settings;

public sealed class HostSettingsTests
{
    private static HostSettings From(params (string Key, string? Value)[] values) =>
        HostSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build(), App);

    private static HostSettings FromHostJson(string json) =>
        HostSettings.From(new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build(), App);

    private const string App = "selfhost-tests";

    [Fact]
    public void Without_host_json_the_functions_defaults_apply()
    {
        var settings = From();
        Assert.Equal(TimeSpan.FromMinutes(30), settings.FunctionTimeout);
        Assert.Equal(HostSettings.DefaultFunctionTimeout, settings.FunctionTimeout);
        Assert.Equal("api", settings.RoutePrefix);
    }

    [Theory]
    [InlineData("00:05:00", 300)]
    [InlineData("00:00:30", 30)]
    [InlineData("01:00:00", 3600)]
    [InlineData("1.00:00:00", 86400)]
    public void Function_timeout_is_read_as_a_timespan(string text, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), From(("functionTimeout", text)).FunctionTimeout);
        Assert.Equal(TimeSpan.FromSeconds(seconds), FromHostJson($$"""{"version": "2.0", "functionTimeout": "{{text}}"}""").FunctionTimeout);
    }

    [Fact]
    public void Function_timeout_minus_one_means_no_limit()
    {
        Assert.Null(From(("functionTimeout", "-1")).FunctionTimeout);
    }

    [Fact]
    public void An_empty_function_timeout_keeps_the_default()
    {
        Assert.Equal(HostSettings.DefaultFunctionTimeout, From(("functionTimeout", "")).FunctionTimeout);
    }

    [Theory]
    [InlineData("5m")]
    [InlineData("abc")]
    [InlineData("00:00:00")]
    [InlineData("-00:05:00")]
    [InlineData("-2")]
    public void An_invalid_function_timeout_names_host_json_the_value_and_the_form(string text)
    {
        var error = Assert.Throws<ConfigurationError>(() => From(("functionTimeout", text)));
        Assert.Equal("host.json functionTimeout", error.Variable);
        Assert.Contains($"\"{text}\"", error.Message);
        Assert.Contains("00:05:00", error.Message);
        Assert.Contains("-1", error.Message);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("api", "api")]
    [InlineData("/v1/", "v1")]
    [InlineData("app/v2", "app/v2")]
    public void Route_prefix_comes_from_extensions_http(string configured, string expected)
    {
        Assert.Equal(expected, From(("extensions:http:routePrefix", configured)).RoutePrefix);
        Assert.Equal(expected, FromHostJson("{\"extensions\": {\"http\": {\"routePrefix\": \"" + configured + "\"}}}").RoutePrefix);
    }

    [Fact]
    public void App_settings_override_host_json_the_functions_way()
    {
        var settings = From(("extensions:http:routePrefix", ""), ("functionTimeout", "00:05:00"),
            ("AzureFunctionsJobHost:extensions:http:routePrefix", "app"), ("AzureFunctionsJobHost:functionTimeout", "00:00:30"));
        Assert.Equal("app", settings.RoutePrefix);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.FunctionTimeout);
    }

    [Theory]
    [InlineData("AzureWebJobs.AggregateAnalytics.Disabled", "true", true)]
    [InlineData("AzureWebJobs.AggregateAnalytics.Disabled", "True", true)]
    [InlineData("AzureWebJobs.AggregateAnalytics.Disabled", "TRUE", true)]
    [InlineData("AzureWebJobs.AggregateAnalytics.Disabled", "1", true)]
    [InlineData("AzureWebJobs.AggregateAnalytics.Disabled", "false", false)]
    [InlineData("AzureWebJobs.AggregateAnalytics.Disabled", "0", false)]
    [InlineData("AzureWebJobs.AggregateAnalytics.Disabled", "yes", false)]
    [InlineData("AzureWebJobs.AggregateAnalytics.Disabled", "", false)]
    [InlineData("AzureWebJobs:AggregateAnalytics:Disabled", "true", true)]
    [InlineData("AzureWebJobs:AggregateAnalytics:Disabled", "1", true)]
    [InlineData("AzureWebJobs:AggregateAnalytics:Disabled", "false", false)]
    [InlineData("azurewebjobs.aggregateanalytics.disabled", "true", true)]   // configuration keys ignore case
    [InlineData("AzureWebJobs.AnalyticsSummary.Disabled", "true", false)]   // another function's switch
    [InlineData("AzureWebJobs.AggregateAnalytics", "true", false)]
    public void A_function_is_disabled_by_its_azure_web_jobs_setting(string key, string value, bool disabled)
    {
        Assert.Equal(disabled, From((key, value)).IsDisabled("AggregateAnalytics"));
    }

    [Fact]
    public void No_setting_leaves_every_function_enabled()
    {
        var settings = From();
        Assert.All(new[] { "AggregateAnalytics", "EvaluateAlerts", "PruneRetention", "AnalyticsSummary", "Health" },
            f => Assert.False(settings.IsDisabled(f)));
    }

    [Fact]
    public void The_double_underscore_environment_variable_form_disables_the_function()
    {
        // Kubernetes env names cannot contain dots: AzureWebJobs__<Function>__Disabled is the portable form.
        var prefix = $"SELFHOST_TEST_{Guid.NewGuid():N}_";
        Environment.SetEnvironmentVariable(prefix + "AzureWebJobs__PruneRetention__Disabled", "true");
        try
        {
            var settings = HostSettings.From(new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build(), App);
            Assert.True(settings.IsDisabled("PruneRetention"));
            Assert.False(settings.IsDisabled("AggregateAnalytics"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "AzureWebJobs__PruneRetention__Disabled", null);
        }
    }
}
