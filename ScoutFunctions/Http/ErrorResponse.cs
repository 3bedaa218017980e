namespace Scout.Http;

/// <summary>Every error body: {"error": "..."} like the Go service, with optional details.</summary>
public sealed record ErrorResponse(string Error, IReadOnlyList<string>? AvailableWindows = null);
