using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Scout.Tests.Deployment;
using Scout.Tests.Infrastructure;

namespace Scout.Tests.Integration;

/// <summary>
/// The status page GET / answers a browser with: its headers and markup over HTTP, then in headless Chromium loaded
/// from the running app (the real app on Kestrel over a real redis-server), what its script drew against the API's numbers.
/// Screenshots go to TestResults/status-page/ (docs/status-page*.png are copies of them).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class StatusPageTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const string Window = "1h";

    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<ScoutApp> StartWithMessagesAsync(string token, string interval = "1h")
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var (severity, system, minutesAgo, times) in new[]
                 {
                     ("error", "api-gateway", 2, 3), ("debug", "api-gateway", 5, 2), ("warning", "auth", 10, 4), ("info", "billing", 25, 6),
                     ("critical", "billing", 40, 1), ("error", "payments", 55, 2), ("info", "auth", 90, 5),
                 })
            for (var i = 0; i < times; i++) await Messages.AddAsync(redis.Database, severity, system, now.AddMinutes(-minutesAgo));
        var app = await ScoutApp.StartAsync(ScoutApp.Settings(redis.Port, ("AUTH_TOKEN", token), ("SCOUT_INTERVAL", interval)), new PlainRedisSearchIndex(redis.Database));
        await Messages.EventuallyAsync(async () => (await app.Client.SendAsync(app.Get("/analytics/timeline"))).IsSuccessStatusCode,
            "the start-up aggregation stores a timeline");
        return app;
    }

    private static HttpRequestMessage Html(string path = "/")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        return request;
    }

    /// <summary>JavaScript: whether the element with that id is not shown (display none, as the hidden attribute makes it).</summary>
    private static string Hidden(string id) => $"(getComputedStyle(document.getElementById('{id}')).display === 'none')";

    private static string Screenshot(string name) => RepositoryFiles.PathOf($"TestResults/status-page/{name}");

    [Fact]
    public async Task A_browser_gets_the_page_with_a_strict_policy_and_other_clients_the_json_list()
    {
        await using var app = await StartWithMessagesAsync(ScoutApp.Token);
        var page = await app.Client.SendAsync(Html());
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy);
        Assert.Contains("script-src 'self'", policy);
        Assert.DoesNotContain("unsafe", policy);
        var html = await page.Content.ReadAsStringAsync();
        // No inline script or style, nothing from another host, no data and no secret in the page itself.
        Assert.DoesNotMatch(new Regex("<script(?![^>]*\\ssrc=)[^>]*>", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex("<style|\\sstyle=|\\son[a-z]+=", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain("://", html);
        Assert.DoesNotContain(ScoutApp.Token, html);
        Assert.Contains("data-auth=\"bearer\"", html);

        foreach (var (path, type) in new[] { ("/status.js", "text/javascript"), ("/status.css", "text/css") })
        {
            var asset = await app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, path));
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            Assert.Equal(type, asset.Content.Headers.ContentType?.MediaType);
            Assert.Equal("nosniff", asset.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.DoesNotContain("://", (await asset.Content.ReadAsStringAsync()).Replace("http://www.w3.org/2000/svg", ""));
        }

        foreach (var accept in new[] { null, "application/json", "*/*", "text/html;q=0, application/json" })
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/");
            if (accept is not null) request.Headers.Accept.ParseAdd(accept);
            var list = await HttpJson.ReadAsync(await app.Client.SendAsync(request));
            Assert.Contains(list.GetProperty("endpoints").EnumerateArray(), e => e.GetProperty("path").GetString() == "/analytics/timeline");
        }
    }

    /// <summary>What the page drew, read from its DOM.</summary>
    private const string Drawn = """
        (() => {
          const svg = document.querySelector('#chart svg');
          return {
            total: Number(document.getElementById('total').textContent),
            totals: Object.fromEntries([...document.querySelectorAll('#totals li')].map(li => [li.dataset.severity, Number(li.querySelector('.count').textContent)])),
            points: Number(svg.dataset.points), max: Number(svg.dataset.max), plotHeight: Number(svg.dataset.plotHeight),
            bars: [...svg.querySelectorAll('rect.bar')].map(r => ({ point: Number(r.dataset.point), severity: r.dataset.severity,
              count: Number(r.dataset.count), height: Number(r.getAttribute('height')), fill: getComputedStyle(r).fill })),
            systems: [...document.querySelectorAll('#systems tbody tr[data-system]')].map(tr => [tr.dataset.system, Number(tr.cells[1].textContent)]),
            alerts: [...document.querySelectorAll('#alerts tbody tr[data-system]')].map(tr => [tr.dataset.system, Number(tr.cells[1].textContent)]),
            health: document.getElementById('health').textContent,
            step: document.getElementById('step').textContent,
            resources: performance.getEntriesByType('resource').map(e => e.name),
            overflow: document.documentElement.scrollWidth > window.innerWidth,
          };
        })()
        """;

    /// <summary>The chart and the numbers drawn are the API's: one stack per point, each bar its severity's count to scale.</summary>
    private static async Task AssertDrawnAsync(HeadlessChromium browser, ScoutApp app, string window)
    {
        var drawn = (await browser.EvaluateAsync(Drawn))!;
        var summary = await HttpJson.ReadAsync(await app.Client.SendAsync(app.Get($"/analytics/summary?window={window}")));
        var timeline = await HttpJson.ReadAsync(await app.Client.SendAsync(app.Get($"/analytics/timeline?window={window}")));
        var systems = await HttpJson.ReadAsync(await app.Client.SendAsync(app.Get($"/analytics/systems?window={window}")));
        var alerts = await HttpJson.ReadAsync(await app.Client.SendAsync(app.Get($"/analytics/alerts?window={window}")));

        Assert.Equal(summary.GetProperty("totalMessages").GetInt64(), drawn["total"]!.GetValue<long>());
        Assert.Equal(Counts(summary.GetProperty("severityCounts")),
            drawn["totals"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<long>()).OrderBy(p => p.Key));

        var points = timeline.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(points.Count, drawn["points"]!.GetValue<int>());
        var max = points.Max(p => p.GetProperty("total").GetInt64());
        Assert.Equal(max, drawn["max"]!.GetValue<long>());
        var plotHeight = drawn["plotHeight"]!.GetValue<double>();
        var bars = drawn["bars"]!.AsArray().Select(b => b!).ToList();
        for (var i = 0; i < points.Count; i++)
        {
            var stack = bars.Where(b => b["point"]!.GetValue<int>() == i).ToList();
            Assert.Equal(Counts(points[i].GetProperty("severityCounts")),
                stack.ToDictionary(b => b["severity"]!.GetValue<string>(), b => b["count"]!.GetValue<long>()).OrderBy(p => p.Key));
            foreach (var bar in stack)
                Assert.Equal(bar["count"]!.GetValue<long>() * plotHeight / max, bar["height"]!.GetValue<double>(), 0.01);
        }
        Assert.Equal(summary.GetProperty("totalMessages").GetInt64(), bars.Sum(b => b["count"]!.GetValue<long>()));
        // The busiest point fills the plot; each severity has its own colour.
        Assert.Equal(plotHeight, bars.GroupBy(b => b["point"]!.GetValue<int>()).Max(g => g.Sum(b => b["height"]!.GetValue<double>())), 0.05);
        Assert.Equal(bars.Select(b => b["severity"]!.GetValue<string>()).Distinct().Count(), bars.Select(b => b["fill"]!.GetValue<string>()).Distinct().Count());

        Assert.Equal(Ranking(systems.GetProperty("systems")), drawn["systems"]!.AsArray().Select(Pair).ToList());
        Assert.Equal(Ranking(alerts.GetProperty("topSystems")), drawn["alerts"]!.AsArray().Select(Pair).ToList());
        Assert.StartsWith("Health: ok", drawn["health"]!.GetValue<string>());
        Assert.Equal("per " + timeline.GetProperty("step").GetString(), drawn["step"]!.GetValue<string>());
        // Everything the page loaded came from this Scout.
        Assert.All(drawn["resources"]!.AsArray(), r => Assert.StartsWith(app.Address.ToString(), r!.GetValue<string>()));
    }

    private static IOrderedEnumerable<KeyValuePair<string, long>> Counts(JsonElement counts) =>
        counts.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64()).OrderBy(p => p.Key);

    private static List<(string, long)> Ranking(JsonElement rows) =>
        rows.EnumerateArray().Select(r => (r.GetProperty("system").GetString()!, r.GetProperty("count").GetInt64())).ToList();

    private static (string, long) Pair(JsonNode? row) => (row![0]!.GetValue<string>(), row[1]!.GetValue<long>());

    [ChromiumFact]
    public async Task Without_a_token_the_page_draws_the_timeline_and_the_numbers_of_the_api()
    {
        await using var app = await StartWithMessagesAsync(token: "");
        await using var browser = await HeadlessChromium.StartAsync();
        await browser.EmulateAsync(1100, 900, mobile: false, colorScheme: "light");
        await browser.NavigateAsync(app.Address);
        await browser.WaitForAsync("document.body && document.body.dataset.loaded", "the page draws the numbers");
        Assert.False((await browser.EvaluateAsync("document.documentElement.scrollWidth > window.innerWidth"))!.GetValue<bool>());

        Assert.True((await browser.EvaluateAsync(Hidden("token-form")))!.GetValue<bool>());
        await AssertDrawnAsync(browser, app, Window);
        await browser.ScreenshotAsync(Screenshot("status-page.png"));

        // Another window: the chart is drawn again from its timeline.
        await browser.EvaluateAsync("(() => { const s = document.getElementById('window'); s.value = '24h'; s.dispatchEvent(new Event('change')); })()");
        await browser.WaitForAsync("document.getElementById('step').textContent === 'per 24m'", "the 24h window is drawn");
        await browser.WaitForAsync("Number(document.querySelector('#chart svg').dataset.points) === 61", "the 24h chart has its 61 points");
        await AssertDrawnAsync(browser, app, "24h");

        // A phone in dark mode: nothing wider than the screen, dark colours.
        await browser.EmulateAsync(390, 844, mobile: true, colorScheme: "dark");
        await browser.EvaluateAsync("(() => { const s = document.getElementById('window'); s.value = '1h'; s.dispatchEvent(new Event('change')); })()");
        await browser.WaitForAsync("document.getElementById('step').textContent === 'per 1m'", "the 1h window is drawn again");
        var phone = (await browser.EvaluateAsync("({ overflow: document.documentElement.scrollWidth > window.innerWidth, background: getComputedStyle(document.body).backgroundColor })"))!;
        Assert.False(phone["overflow"]!.GetValue<bool>());
        Assert.Equal("rgb(18, 20, 23)", phone["background"]!.GetValue<string>());
        await browser.ScreenshotAsync(Screenshot("status-page-phone-dark.png"));
    }

    [ChromiumFact]
    public async Task With_a_token_the_page_asks_for_it_once_keeps_it_in_the_tab_then_draws_the_numbers()
    {
        await using var app = await StartWithMessagesAsync(ScoutApp.Token);
        await using var browser = await HeadlessChromium.StartAsync();
        await browser.EmulateAsync(1100, 600, mobile: false, colorScheme: "light");
        await browser.NavigateAsync(app.Address);
        await browser.WaitForAsync("!" + Hidden("token-form"), "the page asks for the token");
        // Nothing was asked of the API before the token (the health line needs none).
        Assert.True((await browser.EvaluateAsync(Hidden("data") + " && !document.body.dataset.loaded"))!.GetValue<bool>());
        Assert.DoesNotContain((await browser.EvaluateAsync("performance.getEntriesByType('resource').map(e => e.name)"))!.AsArray(),
            r => r!.GetValue<string>().Contains("/analytics/", StringComparison.Ordinal));
        await browser.ScreenshotAsync(Screenshot("status-page-token.png"));

        const string Submit = "(() => { document.getElementById('token').value = '{0}'; document.getElementById('token-form').requestSubmit(); })()";
        await browser.EvaluateAsync(Submit.Replace("{0}", "wrong-token"));
        await browser.WaitForAsync("!" + Hidden("token-error"), "a wrong token is refused");
        Assert.Contains("refused", (await browser.EvaluateAsync("document.getElementById('token-error').textContent"))!.GetValue<string>());
        Assert.Null(await browser.EvaluateAsync("sessionStorage.getItem('scout-token')"));

        await browser.EvaluateAsync(Submit.Replace("{0}", ScoutApp.Token));
        await browser.WaitForAsync("document.body.dataset.loaded", "the page draws the numbers with the token");
        await AssertDrawnAsync(browser, app, Window);
        // Kept in the tab's session storage only: no local storage, no cookie.
        var kept = (await browser.EvaluateAsync("({ session: sessionStorage.getItem('scout-token'), local: localStorage.length, cookie: document.cookie })"))!;
        Assert.Equal(ScoutApp.Token, kept["session"]!.GetValue<string>());
        Assert.Equal(0, kept["local"]!.GetValue<int>());
        Assert.Equal("", kept["cookie"]!.GetValue<string>());

        // Asked once: a reload of the tab draws the numbers without asking again.
        await browser.CallAsync("Page.reload");
        await browser.WaitForAsync("document.body && document.body.dataset.loaded", "the reloaded page draws the numbers with the kept token");
        Assert.True((await browser.EvaluateAsync(Hidden("token-form")))!.GetValue<bool>());
    }

    [ChromiumFact]
    public async Task The_page_refreshes_every_interval_with_the_new_counts()
    {
        await using var app = await StartWithMessagesAsync(token: "", interval: "2s");
        await using var browser = await HeadlessChromium.StartAsync();
        await browser.NavigateAsync(app.Address);
        await browser.WaitForAsync("document.body && document.body.dataset.loaded", "the page draws the numbers");
        Assert.Equal("2", (await browser.EvaluateAsync("document.body.dataset.interval"))!.GetValue<string>());
        var before = (await browser.EvaluateAsync("Number(document.getElementById('total').textContent)"))!.GetValue<long>();

        for (var i = 0; i < 3; i++) await Messages.ProduceAsync(redis.Database, "critical", "late-system", DateTimeOffset.UtcNow);
        // Counted by a later cycle, then drawn by a later refresh of the page, with no reload.
        await browser.WaitForAsync($"Number(document.getElementById('total').textContent) === {before + 3}", "the page shows the new messages", seconds: 30);
        Assert.True((await browser.EvaluateAsync("[...document.querySelectorAll('#systems tbody tr')].some(tr => tr.dataset.system === 'late-system')"))!.GetValue<bool>());
    }
}
