using System.Net.Http.Headers;
using FunctionsSelfHost.Timers;
using Microsoft.Extensions.DependencyInjection;
using Scout.Alerting;
using Scout.Redis;
using Scout.Tests.FunctionsHost.Rpc;
using Scout.Tests.Infrastructure;
using Scout.Tests.Integration.Alerting;
using Scout.Tests.Integration.Service;
using Case = Scout.Tests.FunctionsHost.Rpc.StreamingMessage.ContentOneofCase;

namespace Scout.Tests.FunctionsHost;

/// <summary>
/// The built ScoutFunctions.dll as the Functions host runs it: started with the host's arguments, driven over the
/// host's gRPC protocol by <see cref="LoopbackFunctionsHost"/> (worker init, functions metadata, function load,
/// invocations), with HTTP requests proxied to the worker's own listener as the host does under the ASP.NET Core
/// integration. Its answers are compared with the self-host's on the same redis-server.
/// </summary>
public sealed class FunctionsWorkerProtocolTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private sealed record Answer(int Status, string? ContentType, string Body, string? WwwAuthenticate, string? RetryAfter);

    private static async Task<Answer> ReadAsync(HttpResponseMessage response) => new(
        (int)response.StatusCode,
        response.Content.Headers.ContentType?.ToString(),
        await response.Content.ReadAsStringAsync(),
        response.Headers.WwwAuthenticate.FirstOrDefault()?.ToString(),
        response.Headers.TryGetValues("Retry-After", out var retry) ? string.Join(",", retry) : null);

    /// <summary>Requests both hosts answer: authorised, unauthorised, an unknown window.</summary>
    private static readonly (string Path, string? Token)[] Requests =
    [
        ("/analytics/summary?window=1h", ScoutApp.Token),
        ("/analytics/systems", ScoutApp.Token),
        ("/analytics/alerts?window=24h", null),
        ("/analytics/summary?window=7y", ScoutApp.Token),
        ("/analytics/timeline?window=1h&step=5m", ScoutApp.Token),
        ("/analytics/timeline?step=90s", ScoutApp.Token),
    ];

    private static HttpRequestMessage Get(Uri baseUri, string path, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, path));
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    /// <summary>The W3C trace context the host sends with every invocation.</summary>
    private static RpcTraceContext TraceContext() => new()
    {
        TraceParent = $"00-{Guid.NewGuid():N}-{Guid.NewGuid().ToString("N")[..16]}-01",
        TraceState = "",
    };

    [Fact]
    public async Task Started_like_the_functions_host_starts_it_the_worker_runs_a_timer_and_http_functions_with_the_self_hosts_results()
    {
        await redis.FlushAsync();
        await using var pitcher = await FakePitcher.StartAsync();
        await redis.SeedRecentAsync("error", 3);
        await redis.SeedRecentAsync("critical", 1, "billing");

        // The self-host: aggregates at start-up into redis, then answers and evaluates alerts once.
        var selfAnswers = new List<Answer>();
        List<string> selfPitches;
        string selfMetrics;
        await using (var self = await AlertingApp.StartAsync(redis, pitcher.BaseUrl))
        {
            foreach (var (path, token) in Requests)
                selfAnswers.Add(await ReadAsync(await self.Client.SendAsync(Get(self.Address, path, token))));
            selfMetrics = await self.Client.GetStringAsync("/metrics");
            var evaluate = self.Services.GetServices<ITimerFunction>().Single(f => f.Name == "EvaluateAlerts");
            await evaluate.RunAsync(new TimerOccurrence(null, false), CancellationToken.None);
            selfPitches = pitcher.Requests.Select(r => r.Body).Order(StringComparer.Ordinal).ToList();
        }
        Assert.NotEmpty(selfPitches);
        Assert.Equal(200, selfAnswers[0].Status);
        foreach (var rule in AlertRule.All) await redis.Database.KeyDeleteAsync(ScoutKeys.AlertCooldown(rule.Name));

        // The worker, with the same settings, on the same redis (whose snapshots the self-host left there).
        var directory = Path.GetDirectoryName(ScoutProcess.ServiceDll())!;
        await using var host = await LoopbackFunctionsHost.StartAsync();
        var workerId = Guid.NewGuid().ToString();
        (string, string)[] environment =
        [
            .. ScoutApp.Settings(redis.Port, AlertingApp.Settings(pitcher.BaseUrl))
                .Where(s => s.Key is not ("urls" or "SCOUT_INTERVAL" or "ALERT_SCHEDULE")).Select(s => (s.Key, s.Value ?? "")),
            ("FUNCTIONS_WORKER_RUNTIME", "dotnet-isolated"),
            ("FUNCTIONS_APPLICATION_DIRECTORY", directory),
            ("AzureWebJobsScriptRoot", directory),
            // Schedules in the forms the Functions host accepts (the self-host above had Go durations).
            ("SCOUT_INTERVAL", "01:00:00"),
            ("ALERT_SCHEDULE", "01:00:00"),
            ("SCOUT_RETENTION_SCHEDULE", "0 0 * * * *"),
        ];
        await using var worker = ScoutProcess.StartWorker(
            ["--functions-uri", host.Uri.ToString(), "--functions-worker-id", workerId, "--functions-request-id", Guid.NewGuid().ToString(),
                "--functions-grpc-max-message-length", int.MaxValue.ToString()],
            environment);

        var start = await host.ReceiveAsync(Case.StartStream, Bound);
        Assert.Equal(workerId, start.StartStream.WorkerId);

        await host.SendAsync(new StreamingMessage
        {
            RequestId = "init",
            WorkerInitRequest = new WorkerInitRequest { HostVersion = "4.1000.0", WorkerDirectory = directory, FunctionAppDirectory = directory },
        });
        var init = (await host.ReceiveAsync(Case.WorkerInitResponse, Bound)).WorkerInitResponse;
        Assert.Equal(StatusResult.Types.Status.Success, init.Result.Status);
        // The ASP.NET Core integration: the worker's own HTTP listener, where the host proxies requests to.
        var httpUri = new Uri(init.Capabilities["HttpUri"]);
        Assert.True(httpUri.IsLoopback, $"HttpUri {httpUri}");

        await host.SendAsync(new StreamingMessage
        {
            RequestId = "metadata",
            FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = directory },
        });
        var metadata = (await host.ReceiveAsync(Case.FunctionMetadataResponse, Bound)).FunctionMetadataResponse;
        Assert.Equal(StatusResult.Types.Status.Success, metadata.Result.Status);
        var functions = metadata.FunctionMetadataResults.ToDictionary(f => f.Name);
        Assert.Equal(ScoutTable.Functions.Functions.Select(f => f.Name).Order(StringComparer.Ordinal), functions.Keys.Order(StringComparer.Ordinal));

        foreach (var function in functions.Values)
        {
            await host.SendAsync(new StreamingMessage
            {
                RequestId = "load-" + function.Name,
                FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function },
            });
            var loaded = (await host.ReceiveAsync(Case.FunctionLoadResponse, Bound)).FunctionLoadResponse;
            Assert.True(loaded.Result.Status == StatusResult.Types.Status.Success, $"loading {function.Name}: {loaded.Result}");
        }

        // A timer: EvaluateAlerts, as the host fires it, pitches what the self-host pitched.
        var timerInvocation = Guid.NewGuid().ToString();
        await host.SendAsync(new StreamingMessage
        {
            RequestId = "timer",
            InvocationRequest = new InvocationRequest
            {
                InvocationId = timerInvocation,
                FunctionId = functions["EvaluateAlerts"].FunctionId,
                TraceContext = TraceContext(),
                InputData = { new ParameterBinding { Name = "timer", Data = new TypedData { Json = """{"ScheduleStatus":null,"IsPastDue":false}""" } } },
            },
        });
        var timerResult = (await host.ReceiveAsync(Case.InvocationResponse, Bound)).InvocationResponse;
        Assert.Equal(timerInvocation, timerResult.InvocationId);
        Assert.True(timerResult.Result.Status == StatusResult.Types.Status.Success, $"EvaluateAlerts: {timerResult.Result}");
        var workerPitches = pitcher.Requests.Skip(selfPitches.Count).Select(r => r.Body).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(selfPitches, workerPitches);

        // HTTP: each request proxied to the worker's listener while its invocation arrives over gRPC.
        using var client = new HttpClient { Timeout = Bound };
        async Task<HttpResponseMessage> ProxyAsync(string function, string path, string? token)
        {
            var invocation = Guid.NewGuid().ToString();
            var request = Get(httpUri, path, token);
            request.Headers.Add("x-ms-invocation-id", invocation);
            var response = client.SendAsync(request);
            await host.SendAsync(new StreamingMessage
            {
                RequestId = "http-" + invocation,
                InvocationRequest = new InvocationRequest
                {
                    InvocationId = invocation,
                    FunctionId = functions[function].FunctionId,
                    TraceContext = TraceContext(),
                    InputData = { new ParameterBinding { Name = "request", Data = new TypedData { Http = new RpcHttp { Method = "GET", Url = new Uri(httpUri, path).ToString() } } } },
                },
            });
            var answered = await response;
            var result = (await host.ReceiveAsync(Case.InvocationResponse, Bound)).InvocationResponse;
            Assert.Equal(invocation, result.InvocationId);
            Assert.True(result.Result.Status == StatusResult.Types.Status.Success, $"{function}: {result.Result}");
            // The worker answers as the OpenAPI document says the API does.
            await OpenApiConformance.AssertDescribedAsync(answered);
            return answered;
        }

        for (var i = 0; i < Requests.Length; i++)
        {
            var (path, token) = Requests[i];
            var name = path.Split('?')[0] switch
            {
                "/analytics/summary" => "AnalyticsSummary",
                "/analytics/systems" => "AnalyticsSystems",
                "/analytics/timeline" => "AnalyticsTimeline",
                _ => "AnalyticsAlerts",
            };
            Assert.Equal(selfAnswers[i], await ReadAsync(await ProxyAsync(name, path, token)));
        }

        // The request counts the KEDA HTTP scaler reads: the worker counts the proxied requests as the self-host counted its own.
        var workerMetrics = await (await ProxyAsync("Metrics", "/metrics", null)).Content.ReadAsStringAsync();
        foreach (var series in new[]
                 {
                     "{code=\"200\",method=\"GET\",endpoint=\"/analytics/summary\"}", "{code=\"200\",method=\"GET\",endpoint=\"/analytics/systems\"}",
                     "{code=\"401\",method=\"GET\",endpoint=\"/analytics/alerts\"}", "{code=\"400\",method=\"GET\",endpoint=\"/analytics/summary\"}",
                 })
        {
            Assert.Equal<double?>(1, MetricsScrape.Sample(selfMetrics, "http_requests_received_total" + series));
            Assert.Equal<double?>(1, MetricsScrape.Sample(workerMetrics, "http_requests_received_total" + series));
        }

        // The OpenAPI document: the worker serves the committed one too.
        var document = await ProxyAsync("OpenApi", "/openapi/v1.json", null);
        Assert.Equal(await File.ReadAllBytesAsync(Deployment.RepositoryFiles.PathOf(OpenApiConformance.CommittedPath)), await document.Content.ReadAsByteArrayAsync());

        // The counterpart of SelfHostAssembliesTests: in host mode the gRPC worker assemblies are loaded, and seen.
        var mapped = File.ReadAllLines($"/proc/{worker.Id}/maps").Select(l => Path.GetFileName(l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last())).ToHashSet();
        Assert.Contains("Microsoft.Azure.Functions.Worker.Grpc.dll", mapped);
        Assert.Contains("Grpc.Net.Client.dll", mapped);
    }
}
