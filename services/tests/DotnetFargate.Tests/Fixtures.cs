namespace DotnetFargate.Tests;

/// <summary>Starts one service process for a test class and stops it afterwards.</summary>
public abstract class ServiceFixture(string project, IReadOnlyDictionary<string, string>? environment = null)
    : IAsyncLifetime
{
    public ServiceProcess Service { get; private set; } = null!;
    public HttpClient Client => Service.Client;

    public async Task InitializeAsync() => Service = await ServiceProcess.StartAsync(project, environment);

    public async Task DisposeAsync() => await Service.DisposeAsync();
}

public sealed class BookStoreFixture() : ServiceFixture("BookStore.Api");

public sealed class PrimeFixture() : ServiceFixture("Prime.Api");

/// <summary>Profiling API with small bounds so the limits can be reached quickly.</summary>
public sealed class ProfilingFixture() : ServiceFixture("Profiling.Api", new Dictionary<string, string>
{
    ["Profiling__MemoryLeakCapMegabytes"] = "1",
    ["Profiling__LockWaitTimeoutMs"] = "300",
    ["Profiling__HighCpuTimeLimitMs"] = "5000",
});
