namespace Scout.OpenApi;

/// <summary>How GET / lists an HTTP function: its place in the list, what it serves and its auth ("none" or "bearer").</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EndpointListingAttribute(int order, string description) : Attribute
{
    public int Order { get; } = order;

    public string Description { get; } = description;

    public string Auth { get; init; } = "none";
}
