using System.Diagnostics;

namespace TestFixtures;

/// <summary>
/// A real Azurite blob service (npm package, installed by scripts/test.sh into test-tools/) on a free
/// loopback port, with its data in a temporary directory.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    // Azurite's documented development account: public, not a secret.
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _directory = Directory.CreateTempSubdirectory("scout-azurite-").FullName;
    private Process? _process;

    public int Port { get; private set; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevAccountKey};BlobEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    public async Task InitializeAsync() => await StartAsync(FreePort.Next());

    public async Task StartAsync(int port)
    {
        Port = port;
        _process = await ServerProcess.StartAsync(FindBinary(),
            DocumentedArguments(_directory).Concat(["--blobHost", "127.0.0.1", "--blobPort", port.ToString()]),
            port, TimeSpan.FromSeconds(20));
    }

    /// <summary>
    /// As the README starts it (`azurite-blob --location …`): no --skipApiVersionCheck or --loose, so a Blob service
    /// version this Azurite does not know fails the tests instead of only a developer's local run. Only the address is added.
    /// </summary>
    public static string[] DocumentedArguments(string location) => ["--location", location];

    public Task StopAsync() => ServerProcess.StopAsync(_process);

    public async Task DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private static string FindBinary() => ServerProcess.FindBinary(
        RepositoryCandidates().Concat(ServerProcess.OnPath("azurite-blob")),
        "Azurite is not installed: the Blob timer store tests need it. Install it with " +
        "`npm ci --prefix test-tools` from the repository root (or `npm install -g azurite`), " +
        "or run `bash scripts/test.sh`, which installs it.");

    private static IEnumerable<string> RepositoryCandidates()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            yield return Path.Combine(dir.FullName, "test-tools", "node_modules", ".bin", "azurite-blob");
    }
}
