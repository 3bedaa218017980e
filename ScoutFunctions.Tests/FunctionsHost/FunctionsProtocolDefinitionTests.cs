using Google.Protobuf.Reflection;
using Scout.Tests.Deployment;

namespace Scout.Tests.FunctionsHost;

/// <summary>
/// FunctionsHost/Protos holds the Functions host protocol the loopback host speaks. It was written from the
/// descriptors compiled into Microsoft.Azure.Functions.Worker.Grpc, the worker's own copy of the public
/// azure-functions-language-worker-protobuf files; this test keeps the two identical, field numbers and all.
/// Set SCOUT_WRITE_PROTOS=1 to rewrite the copy after a worker package update.
/// </summary>
public sealed class FunctionsProtocolDefinitionTests
{
    public static TheoryData<string> Files => new() { "FunctionRpc.proto", "identity/ClaimsIdentityRpc.proto", "shared/NullableTypes.proto" };

    [Theory]
    [MemberData(nameof(Files))]
    public void The_proto_copy_matches_the_descriptor_inside_the_worker_package(string file)
    {
        var assembly = System.Reflection.Assembly.Load("Microsoft.Azure.Functions.Worker.Grpc");
        var descriptor = assembly.GetTypes()
            .Where(t => t.Name.EndsWith("Reflection", StringComparison.Ordinal) && t.GetProperty("Descriptor")?.PropertyType == typeof(FileDescriptor))
            .Select(t => (FileDescriptor)t.GetProperty("Descriptor")!.GetValue(null)!)
            .Single(d => d.Name == file);
        var expected = ProtoText.Write(descriptor, "Scout.Tests.FunctionsHost.Rpc");
        var copy = Path.Combine(RepositoryFiles.Root, "ScoutFunctions.Tests", "FunctionsHost", "Protos", file);
        if (Environment.GetEnvironmentVariable("SCOUT_WRITE_PROTOS") == "1") File.WriteAllText(copy, expected);
        Assert.Equal(expected, File.ReadAllText(copy));
    }
}
