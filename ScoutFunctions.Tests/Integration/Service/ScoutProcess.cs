using System.Collections.Concurrent;
using System.Diagnostics;

namespace Scout.Tests.Integration.Service;

/// <summary>
/// The built service (ScoutFunctions.dll from its project's build output) started as a real process with
/// the environment given, its standard output and error collected line by line.
/// </summary>
public sealed class ScoutProcess : IAsyncDisposable
{
    // Inherited settings that would change what the process does; each test states the ones it wants.
    private static readonly string[] InheritedPrefixes =
        ["PORT", "REDIS", "SCOUT_", "AUTH_TOKEN", "LOG_", "ALERT_", "AzureWebJobs", "AzureFunctions", "ASPNETCORE_", "DOTNET_URLS", "urls", "POD_NAMESPACE", "KUBERNETES_", "FUNCTIONS_"];

    private readonly Process _process;

    private ScoutProcess(Process process) => _process = process;

    public ConcurrentQueue<string> Output { get; } = new();

    public ConcurrentQueue<string> Error { get; } = new();

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>ScoutFunctions/bin/&lt;configuration&gt;/&lt;framework&gt;/ScoutFunctions.dll beside this test project's own output.</summary>
    public static string ServiceDll()
    {
        // <repo>/ScoutFunctions.Tests/bin/<configuration>/<framework>/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var repository = output.Parent.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(repository, "ScoutFunctions", "bin", configuration, framework, "ScoutFunctions.dll");
        if (!File.Exists(dll))
            throw new InvalidOperationException(
                $"The built service is missing at {dll}: build it first (`dotnet build -c {configuration}` from the repository root).");
        return dll;
    }

    /// <summary>
    /// The switch that runs the process tests against the native AOT self-host: the path of its binary
    /// (`scripts/test.sh` publishes it with scripts/publish.sh and runs these tests again with it set).
    /// </summary>
    public const string NativeVariable = "SCOUT_TEST_NATIVE_SELFHOST";

    /// <summary>The trait of the test classes that start the self-host as a process: the ones run again against the native binary.</summary>
    public const string Trait = "Process";

    public const string SelfHost = "self-host";

    /// <summary>The native self-host's binary when <see cref="NativeVariable"/> names one, else null (the managed build).</summary>
    public static string? NativeBinary =>
        Environment.GetEnvironmentVariable(NativeVariable) is { Length: > 0 } path ? Path.GetFullPath(path) : null;

    /// <summary>The self-host: the native binary when the switch is set, else the built ScoutFunctions.dll.</summary>
    public static ScoutProcess Start(params (string Key, string Value)[] environment) =>
        NativeBinary is { } native
            ? Launch(File.Exists(native) ? native : throw new InvalidOperationException($"{NativeVariable}={native}: no such file"), [], environment)
            : Launch("dotnet", [ServiceDll()], environment);

    /// <summary>The managed build with command-line arguments after the dll, as the Functions host starts its worker.</summary>
    public static ScoutProcess StartWorker(string[] arguments, params (string Key, string Value)[] environment) =>
        Launch("dotnet", [ServiceDll(), .. arguments], environment);

    private static ScoutProcess Launch(string program, string[] arguments, (string Key, string Value)[] environment)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = Path.GetDirectoryName(program == "dotnet" ? arguments[0] : program)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var key in start.Environment.Keys.ToList())
            if (InheritedPrefixes.Any(p => key.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
                start.Environment.Remove(key);
        foreach (var (key, value) in environment) start.Environment[key] = value;

        var process = new Process { StartInfo = start };
        var scout = new ScoutProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) scout.Output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) scout.Error.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return scout;
    }

    /// <summary>True when the process exited within the bound; its output is then read to the end.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Sends SIGTERM, as Kubernetes does when it stops a pod.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Sends SIGKILL (Process.Kill on Unix), as a crash or the OOM killer would: nothing of the process's shutdown runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
