using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Scout.Tests.Infrastructure;

/// <summary>
/// The few Kubernetes API paths Scout calls for a ScoutProfile (Profile/ProfileApi), on real Kestrel at
/// 127.0.0.1: GET of one profile, the collection (list, or watch=true streaming newline-delimited
/// watch events and kept open), GET of a Secret. Behaves like the API server where Scout depends on
/// it: bearer token required, Status bodies on errors; a watch without resourceVersion starts with synthetic ADDED
/// events for the objects that exist, a watch from a resourceVersion replays the events after it (or answers an ERROR
/// event 410 Gone once <see cref="Compact"/> has forgotten them), and bookmarks are sent to watches that asked for
/// them. Faults (a fixed status or a hang) are switched on from the test.
/// </summary>
public sealed partial class FakeKubernetesApi : IAsyncDisposable
{
    public const string Group = "homerun2.stuttgart-things.com";
    public const string Version = "v1alpha1";
    public const string Token = "fake-kube-bearer-7c1d";

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Namespace, string Name), JsonObject> _profiles = [];
    private readonly Dictionary<(string Namespace, string Name), Dictionary<string, string>> _secrets = [];
    private readonly List<OpenWatch> _watches = [];
    private readonly List<(long Version, string Namespace, string Name, string Line)> _history = [];
    private long _compactedThrough;
    private readonly ConcurrentQueue<ApiRequest> _requests = new();
    private readonly CancellationTokenSource _stopping = new();
    private long _resourceVersion = 1000;

    private FakeKubernetesApi(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Kubeconfig = KubeconfigFile.Write(address.ToString().TrimEnd('/'), Token);
    }

    public Uri Address { get; }

    /// <summary>A kubeconfig pointing at this server with <see cref="Token"/>: pass its path as KUBECONFIG.</summary>
    public KubeconfigFile Kubeconfig { get; }

    /// <summary>When set, every request gets this HTTP status (with a Status body) instead of an answer.</summary>
    public HttpStatusCode? FailWith { get; set; }

    /// <summary>Bearer tokens accepted besides <see cref="Token"/> (an exec plugin's, a service account's).</summary>
    public ConcurrentDictionary<string, bool> AcceptedTokens { get; } = new();

    /// <summary>When true, every request is accepted and never answered (until it is aborted or the server stops).</summary>
    public bool Hang { get; set; }

    /// <summary>When true, Secret reads are accepted and never answered; profiles are still served.</summary>
    public bool HangSecrets { get; set; }

    public IReadOnlyList<ApiRequest> Requests => [.. _requests];

    public int WatchRequests => _requests.Count(r => r.Watch);

    public int OpenWatches
    {
        get { lock (_gate) return _watches.Count; }
    }

    public static async Task<FakeKubernetesApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        FakeKubernetesApi? api = null;
        app.Run(context => api!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        api = new FakeKubernetesApi(app, new Uri(address));
        return api;
    }

    /// <summary>Creates or replaces a ScoutProfile and sends ADDED or MODIFIED to the open watches; returns its resourceVersion.</summary>
    public string PutProfile(string ns, string name, JsonObject spec)
    {
        lock (_gate)
        {
            var resourceVersion = (++_resourceVersion).ToString();
            var exists = _profiles.ContainsKey((ns, name));
            var resource = new JsonObject
            {
                ["apiVersion"] = $"{Group}/{Version}",
                ["kind"] = "ScoutProfile",
                ["metadata"] = new JsonObject
                {
                    ["name"] = name,
                    ["namespace"] = ns,
                    ["resourceVersion"] = resourceVersion,
                    ["uid"] = $"uid-{ns}-{name}",
                },
                ["spec"] = spec.DeepClone(),
            };
            _profiles[(ns, name)] = resource;
            Notify(exists ? "MODIFIED" : "ADDED", ns, name, resource);
            return resourceVersion;
        }
    }

    /// <summary>Deletes a ScoutProfile and sends DELETED to the open watches.</summary>
    public void DeleteProfile(string ns, string name)
    {
        lock (_gate)
        {
            if (!_profiles.Remove((ns, name), out var resource)) return;
            resource["metadata"]!["resourceVersion"] = (++_resourceVersion).ToString();
            Notify("DELETED", ns, name, resource);
        }
    }

    public void PutSecret(string ns, string name, Dictionary<string, string> data)
    {
        lock (_gate) _secrets[(ns, name)] = new Dictionary<string, string>(data);
    }

    /// <summary>Ends every open watch stream normally, as the API server does when a watch times out.</summary>
    public void DropWatches()
    {
        lock (_gate)
        {
            foreach (var watch in _watches) watch.Events.Writer.TryComplete();
            _watches.Clear();
        }
    }

    /// <summary>Forgets every event so far, as etcd's compaction does: a watch from an older resourceVersion gets 410 Gone.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _compactedThrough = _resourceVersion;
            _history.Clear();
        }
    }

    /// <summary>Sends a BOOKMARK with the current resourceVersion to the open watches that asked for bookmarks; returns it.</summary>
    public string SendBookmark()
    {
        lock (_gate)
        {
            var version = (++_resourceVersion).ToString();
            var line = new JsonObject
            {
                ["type"] = "BOOKMARK",
                ["object"] = new JsonObject { ["apiVersion"] = $"{Group}/{Version}", ["kind"] = "ScoutProfile", ["metadata"] = new JsonObject { ["resourceVersion"] = version } },
            }.ToJsonString();
            foreach (var watch in _watches.Where(w => w.Bookmarks)) watch.Events.Writer.TryWrite(line);
            return version;
        }
    }

    private void Notify(string type, string ns, string name, JsonObject resource)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = resource.DeepClone() }.ToJsonString();
        _history.Add((_resourceVersion, ns, name, line));
        foreach (var watch in _watches)
            if (watch.Namespace == ns && (watch.Name is null || watch.Name == name)) watch.Events.Writer.TryWrite(line);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var watch = request.Query["watch"] is var w && (w == "true" || w == "1");
        _requests.Enqueue(new ApiRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "",
            request.Headers.Authorization.ToString(), watch, DateTimeOffset.UtcNow));
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);

        if (Hang || HangSecrets && SecretItem().IsMatch(request.Path.Value ?? ""))
        {
            try
            {
                await Task.Delay(Timeout.Infinite, aborted.Token);
            }
            catch (OperationCanceledException)
            {
            }
            return;
        }
        if (FailWith is { } status)
        {
            await StatusAsync(context, status, "injected by the test");
            return;
        }
        var authorization = request.Headers.Authorization.ToString();
        if (authorization != "Bearer " + Token && !(authorization.StartsWith("Bearer ", StringComparison.Ordinal) && AcceptedTokens.ContainsKey(authorization[7..])))
        {
            await StatusAsync(context, HttpStatusCode.Unauthorized, "Unauthorized");
            return;
        }
        if (request.Method != "GET")
        {
            await StatusAsync(context, HttpStatusCode.MethodNotAllowed, "only GET is served");
            return;
        }

        var path = request.Path.Value ?? "";
        if (ProfileItem().Match(path) is { Success: true } item)
        {
            JsonObject? resource;
            lock (_gate) resource = _profiles.GetValueOrDefault((item.Groups["ns"].Value, item.Groups["name"].Value))?.DeepClone().AsObject();
            if (resource is null) await StatusAsync(context, HttpStatusCode.NotFound, $"scoutprofiles.{Group} \"{item.Groups["name"].Value}\" not found");
            else await JsonAsync(context, resource);
        }
        else if (ProfileCollection().Match(path) is { Success: true } collection)
        {
            var ns = collection.Groups["ns"].Value;
            var selector = request.Query["fieldSelector"].ToString();
            var name = selector.StartsWith("metadata.name=", StringComparison.Ordinal) ? selector["metadata.name=".Length..] : null;
            if (watch) await WatchAsync(context, ns, name, request.Query["resourceVersion"].ToString(), request.Query["allowWatchBookmarks"] == "true", aborted.Token);
            else await ListAsync(context, ns, name);
        }
        else if (SecretItem().Match(path) is { Success: true } secret)
        {
            Dictionary<string, string>? data;
            lock (_gate) data = _secrets.GetValueOrDefault((secret.Groups["ns"].Value, secret.Groups["name"].Value));
            if (data is null)
            {
                await StatusAsync(context, HttpStatusCode.NotFound, $"secrets \"{secret.Groups["name"].Value}\" not found");
                return;
            }
            var encoded = new JsonObject();
            foreach (var (key, value) in data) encoded[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
            await JsonAsync(context, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Secret",
                ["metadata"] = new JsonObject { ["name"] = secret.Groups["name"].Value, ["namespace"] = secret.Groups["ns"].Value },
                ["type"] = "Opaque",
                ["data"] = encoded,
            });
        }
        else
        {
            await StatusAsync(context, HttpStatusCode.NotFound, "the server could not find the requested resource");
        }
    }

    private async Task ListAsync(HttpContext context, string ns, string? name)
    {
        var items = new JsonArray();
        string version;
        lock (_gate)
        {
            foreach (var ((itemNs, itemName), resource) in _profiles)
                if (itemNs == ns && (name is null || itemName == name)) items.Add(resource.DeepClone());
            version = _resourceVersion.ToString();
        }
        await JsonAsync(context, new JsonObject
        {
            ["apiVersion"] = $"{Group}/{Version}",
            ["kind"] = "ScoutProfileList",
            ["metadata"] = new JsonObject { ["resourceVersion"] = version },
            ["items"] = items,
        });
    }

    private async Task WatchAsync(HttpContext context, string ns, string? name, string from, bool bookmarks, CancellationToken aborted)
    {
        var watch = new OpenWatch(ns, name, Channel.CreateUnbounded<string>(), bookmarks);
        lock (_gate)
        {
            if (from is "" or "0")
            {
                // Like the API server for a watch without resourceVersion: the current state first, as ADDED.
                foreach (var ((itemNs, itemName), resource) in _profiles)
                    if (itemNs == ns && (name is null || itemName == name))
                        watch.Events.Writer.TryWrite(new JsonObject { ["type"] = "ADDED", ["object"] = resource.DeepClone() }.ToJsonString());
            }
            else if (long.Parse(from, System.Globalization.CultureInfo.InvariantCulture) < _compactedThrough)
            {
                // Too old: the API server answers one ERROR event with a Status 410 and ends the stream.
                watch.Events.Writer.TryWrite(new JsonObject
                {
                    ["type"] = "ERROR",
                    ["object"] = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["reason"] = "Expired", ["code"] = 410,
                        ["message"] = $"too old resource version: {from} ({_compactedThrough})" },
                }.ToJsonString());
                watch.Events.Writer.TryComplete();
            }
            else
            {
                // From a resourceVersion: the events after it, then live ones.
                var after = long.Parse(from, System.Globalization.CultureInfo.InvariantCulture);
                foreach (var (version, itemNs, itemName, line) in _history)
                    if (version > after && itemNs == ns && (name is null || itemName == name)) watch.Events.Writer.TryWrite(line);
            }
            _watches.Add(watch);
        }
        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(aborted);
            await context.Response.Body.FlushAsync(aborted);
            await foreach (var line in watch.Events.Reader.ReadAllAsync(aborted))
            {
                await context.Response.WriteAsync(line + "\n", aborted);
                await context.Response.Body.FlushAsync(aborted);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate) _watches.Remove(watch);
        }
    }

    private static Task JsonAsync(HttpContext context, JsonObject body)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    private static Task StatusAsync(HttpContext context, HttpStatusCode status, string message)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = status.ToString(),
            ["code"] = (int)status,
        }.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        DropWatches();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
        _stopping.Dispose();
        Kubeconfig.Dispose();
    }

    [GeneratedRegex($"^/apis/{Group}/{Version}/namespaces/(?<ns>[^/]+)/scoutprofiles/(?<name>[^/]+)$")]
    private static partial Regex ProfileItem();

    [GeneratedRegex($"^/apis/{Group}/{Version}/namespaces/(?<ns>[^/]+)/scoutprofiles/?$")]
    private static partial Regex ProfileCollection();

    [GeneratedRegex("^/api/v1/namespaces/(?<ns>[^/]+)/secrets/(?<name>[^/]+)$")]
    private static partial Regex SecretItem();

    private sealed record OpenWatch(string Namespace, string? Name, Channel<string> Events, bool Bookmarks);
}

/// <summary>One request the fake API server received.</summary>
public sealed record ApiRequest(string Method, string Path, string Query, string Authorization, bool Watch, DateTimeOffset At);

/// <summary>A kubeconfig in its own temporary directory: one cluster over plain http, one bearer-token user.</summary>
public sealed class KubeconfigFile : IDisposable
{
    private readonly string _directory;

    private KubeconfigFile(string directory, string path)
    {
        _directory = directory;
        Path = path;
    }

    public string Path { get; }

    public static KubeconfigFile Write(string server, string token)
    {
        var directory = Directory.CreateTempSubdirectory("scout-kube-").FullName;
        var path = System.IO.Path.Combine(directory, "config");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {server}
            users:
            - name: fake
              user:
                token: {token}
            contexts:
            - name: fake
              context:
                cluster: fake
                user: fake
            current-context: fake
            """);
        return new KubeconfigFile(directory, path);
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
