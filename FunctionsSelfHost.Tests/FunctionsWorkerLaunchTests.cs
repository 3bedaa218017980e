
namespace FunctionsSelfHost.Tests.Functions;

/// <summary>Program runs the Functions worker only when the host starts it: with the host's gRPC address or worker id.</summary>
public sealed class FunctionsWorkerTests
{
    [Theory]
    [InlineData(true, "--functions-uri", "http://127.0.0.1:50051/", "--functions-worker-id", "w", "--functions-request-id", "r", "--functions-grpc-max-message-length", "2147483647")]
    [InlineData(true, "--functions-uri=http://127.0.0.1:50051/")]
    [InlineData(true, "--functions-worker-id", "w")]
    [InlineData(true, "--host", "127.0.0.1", "--port", "50051", "--workerId", "w", "--requestId", "r", "--grpcMaxMessageLength", "2147483647")]
    [InlineData(false)]
    [InlineData(false, "--urls", "http://127.0.0.1:8080")]
    [InlineData(false, "--environment", "Development")]
    public void The_worker_runs_only_with_the_hosts_start_up_arguments(bool expected, params string[] args) =>
        Assert.Equal(expected, FunctionsWorkerLaunch.IsRequested(args));
}
