using System.Diagnostics.CodeAnalysis;

namespace FunctionsSelfHost.Functions;

/// <summary>
/// A class that declares <c>[Function]</c> methods, named at compile time so that trimming and native AOT keep its
/// public methods and constructors: the self-host reads the attributes and calls the methods of exactly these classes.
/// </summary>
public sealed class FunctionClass
{
    /// <summary>What the self-host reflects over: the methods' attributes and the constructor it calls through DI.</summary>
    public const DynamicallyAccessedMemberTypes Members = DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicConstructors;

    private FunctionClass([DynamicallyAccessedMembers(Members)] Type type) => Type = type;

    [DynamicallyAccessedMembers(Members)]
    public Type Type { get; }

    public static FunctionClass Of<[DynamicallyAccessedMembers(Members)] T>() => new(typeof(T));

    public override string ToString() => Type.FullName ?? Type.Name;
}
