// A bare ASP.NET Core endpoint returning the JSON document in FLOOR_BODY_FILE: same route and body size as
// Scout's /analytics/summary, without auth, Redis, metrics or status pages. Listens on ASPNETCORE_URLS.
var body = File.ReadAllBytes(Environment.GetEnvironmentVariable("FLOOR_BODY_FILE") ?? throw new InvalidOperationException("FLOOR_BODY_FILE is not set"));
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/analytics/summary", () => Results.Bytes(body, "application/json; charset=utf-8"));
app.MapGet("/health", () => Results.Ok());
app.Run();
