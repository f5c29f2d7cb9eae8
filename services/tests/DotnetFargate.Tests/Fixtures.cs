namespace DotnetFargate.Tests;

/// <summary>Starts one service process for a test class and stops it afterwards.</summary>
public abstract class ServiceFixture(string project, IReadOnlyDictionary<string, string>? environment = null)
    : IAsyncLifetime
{
    public ServiceProcess Service { get; private set; } = null!;
    public HttpClient Client => Service.Client;

    public virtual async Task InitializeAsync() =>
        Service = await ServiceProcess.StartAsync(project, await EnvironmentAsync());

    /// <summary>The service's environment; a fixture that must prepare something first overrides it.</summary>
    protected virtual Task<IReadOnlyDictionary<string, string>?> EnvironmentAsync() => Task.FromResult(environment);

    public virtual async Task DisposeAsync()
    {
        if (Service is not null)
        {
            await Service.DisposeAsync();
        }
    }
}

/// <summary>The BookStore with the seed's data, on one of its stores.</summary>
public abstract class BookStoreFixture(IReadOnlyDictionary<string, string>? environment = null)
    : ServiceFixture("BookStore.Api", environment);

public sealed class InMemoryBookStoreFixture() : BookStoreFixture;

/// <summary>
/// The BookStore on PostgreSQL: a database of its own on the test server (see <see cref="TestPostgres"/>),
/// schema and seed data created by the service itself; ready once /ready says so.
/// </summary>
public sealed class PostgresBookStoreFixture : BookStoreFixture
{
    public string Database { get; } = TestPostgres.NewDatabaseName();

    protected override async Task<IReadOnlyDictionary<string, string>?> EnvironmentAsync()
    {
        var server = TestPostgres.Shared;
        await server.CreateDatabaseAsync(Database);
        return server.BookStoreEnvironment(Database);
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await TestPostgres.WaitUntilReadyAsync(Service);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await TestPostgres.Shared.DropDatabaseAsync(Database);
    }
}

public sealed class PrimeFixture() : ServiceFixture("Prime.Api");

/// <summary>Profiling API with small bounds so the limits can be reached quickly.</summary>
public sealed class ProfilingFixture() : ServiceFixture("Profiling.Api", new Dictionary<string, string>
{
    ["Profiling__MemoryLeakCapMegabytes"] = "1",
    ["Profiling__LockWaitTimeoutMs"] = "300",
    // Not small: the class finds the 100,000th prime by trial division from cold code, twice, beside the rest of the
    // suite; its limit is reached in a service of its own (ProfilingTests, 100 ms).
    ["Profiling__HighCpuTimeLimitMs"] = "30000",
});
