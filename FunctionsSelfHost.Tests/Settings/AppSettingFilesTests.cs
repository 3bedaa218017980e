using FunctionsSelfHost.Settings;
using Microsoft.Extensions.Configuration;

namespace FunctionsSelfHost.Tests.Settings;

/// <summary>host.json and local.settings.json are read like the Functions host does; a broken file stops start-up clearly.</summary>
public sealed class AppSettingFilesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("selfhost-settings-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>An app's default for a setting its schedules refer to.</summary>
    private static readonly Dictionary<string, string?> Defaults = new() { ["TICK_INTERVAL"] = "60s" };

    private IConfiguration Load(params (string Key, string? Value)[] environment)
    {
        var manager = new ConfigurationManager();
        manager.AddInMemoryCollection(environment.Select(e => new KeyValuePair<string, string?>(e.Key, e.Value)));
        manager.AddAppSettingFiles(_directory, Defaults);
        return manager;
    }

    [Fact]
    public void Local_settings_values_apply_below_the_environment_and_host_json_is_read()
    {
        File.WriteAllText(Path.Combine(_directory, "host.json"), """{"functionTimeout":"00:02:00"}""");
        File.WriteAllText(Path.Combine(_directory, "local.settings.json"), """{"Values":{"TICK_INTERVAL":"10s","AUTH_TOKEN":"local"}}""");
        var config = Load(("AUTH_TOKEN", "from-env"));
        Assert.Equal("10s", config["TICK_INTERVAL"]);
        Assert.Equal("from-env", config["AUTH_TOKEN"]);
        Assert.Equal("00:02:00", config["functionTimeout"]);
    }

    [Fact]
    public void Without_files_the_interval_default_is_there_for_percent_references()
    {
        Assert.Equal("60s", Load()["TICK_INTERVAL"]);
    }

    [Fact]
    public void A_broken_host_json_is_a_configuration_error_naming_the_file()
    {
        File.WriteAllText(Path.Combine(_directory, "host.json"), "{ \"functionTimeout\": ");
        var error = Assert.Throws<ConfigurationError>(() => Load());
        Assert.StartsWith("invalid configuration: host.json", error.Message);
    }

    [Fact]
    public void A_broken_local_settings_json_is_a_configuration_error_naming_the_file()
    {
        File.WriteAllText(Path.Combine(_directory, "local.settings.json"), "{ \"Values\": { \"A\": ");
        var error = Assert.Throws<ConfigurationError>(() => Load());
        Assert.StartsWith("invalid configuration: local.settings.json", error.Message);
        Assert.Contains("Values", error.Message);
    }
}
