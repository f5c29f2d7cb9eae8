using System.Data.Common;
using BookStore.Api.Store.Postgres;
using DotnetFargate.Platform;
using Npgsql;

namespace BookStore.Api.Store;

/// <summary>What the PostgreSQL store was configured with (the password stays in the data source).</summary>
/// <param name="RequestBudget">The longest a request waits on the database: the connect Timeout (for a pooled or new
/// connection) plus the Command Timeout. Past it the request is answered 503, whatever the database does.</param>
public sealed record PostgresStoreOptions(bool Seed, string Endpoint, TimeSpan RequestBudget);

/// <summary>
/// Picks the store from configuration: <c>BookStore:Store</c> = <c>memory</c> (default) or <c>postgres</c>.
/// PostgreSQL reads <c>ConnectionStrings:BookStore</c> (an Npgsql connection string) and, when set,
/// <c>BookStore:DatabasePassword</c> (kept apart so the password can come from a secret store).
/// </summary>
public static class StoreRegistration
{
    public const string Memory = "memory";
    public const string Postgres = "postgres";

    // Defaults for what the connection string leaves out: fail fast rather than hold a request.
    private const int ConnectTimeoutSeconds = 5;
    private const int CommandTimeoutSeconds = 10;
    // After a timed-out statement Npgsql asks the server to cancel it, then waits this long (ms) for the server's
    // answer before dropping the connection; it holds a pooled connection, never a request (see RunAsync).
    private const int CancellationTimeoutMilliseconds = 1000;
    // TCP keepalive on every connection (Npgsql sets SO_KEEPALIVE, TCP_KEEPIDLE and TCP_KEEPINTVL on the socket:
    // NpgsqlConnector.SetSocketOptions, npgsql/npgsql src/Npgsql/Internal/NpgsqlConnector.cs, tag v10.0.3): a server
    // that vanished (a failover, a network black hole) is noticed on an idle pooled connection within about a
    // minute and a half (30 s, then the kernel's 9 probes 5 s apart), not at the next statement's timeout.
    private const int TcpKeepAliveTimeSeconds = 30;
    private const int TcpKeepAliveIntervalSeconds = 5;
    private const int MaxPoolSize = 20;
    // /ready's probe has a pool of its own (PostgresProbeSource): a connection or two, apart from the requests'.
    private const int ProbePoolSize = 2;
    // Statements run this often are prepared on each connection once (Npgsql's automatic preparation):
    // the server skips parsing and planning them again. The store has about 30 distinct statements.
    private const int MaxAutoPrepare = 32;
    /// <summary>The longest Timeout or Command Timeout the connection string may set (seconds).</summary>
    private const int MaxTimeoutSeconds = 3600;

    public static WebApplicationBuilder AddBookStoreStore(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var config = builder.Configuration;
        var seed = config.GetValue("BookStore:SeedData", true);
        var store = config["BookStore:Store"] ?? Memory;
        switch (store.Trim().ToLowerInvariant())
        {
            case Memory:
                builder.Services.AddSingleton<IBookStore>(_ => new InMemoryBookStore(seed ? SeedState.LoadEmbedded() : null));
                break;
            case Postgres:
                AddPostgres(builder.Services, ConnectionString(config), seed);
                break;
            default:
                throw new InvalidOperationException(
                    $"BookStore:Store must be '{Memory}' or '{Postgres}'; got '{store}'.");
        }
        return builder;
    }

    private static void AddPostgres(IServiceCollection services, NpgsqlConnectionStringBuilder connection, bool seed)
    {
        var endpoint = $"{connection.Host}:{connection.Port}/{connection.Database}";
        services.AddSingleton(new PostgresStoreOptions(seed, endpoint, TimeSpan.FromSeconds(connection.Timeout + connection.CommandTimeout)));
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connection.ConnectionString).Build());
        var probe = new NpgsqlConnectionStringBuilder(connection.ConnectionString)
        {
            MaxPoolSize = ProbePoolSize,
            ApplicationName = connection.ApplicationName + "-ready",
        };
        services.AddSingleton(_ => new PostgresProbeSource(new NpgsqlDataSourceBuilder(probe.ConnectionString).Build()));
        ReserveThreadsForCancelRequests(connection.MaxPoolSize + ProbePoolSize);
        services.AddSingleton<PostgresReadiness>();
        services.AddSingleton<IBookStore, PostgresBookStore>();
        services.AddHostedService<PostgresInitializer>();
        // One instance: AddCheck<T> would otherwise make a new one per check, and the probe in flight is shared.
        services.AddSingleton<PostgresReadyCheck>();
        services.AddHealthChecks().AddCheck<PostgresReadyCheck>("bookstore-database", tags: [ServiceDefaults.ReadyTag]);
    }

    /// <summary>
    /// When a statement times out or is cancelled, Npgsql sends PostgreSQL a cancel request over a new connection
    /// synchronously, on the pool thread that noticed (NpgsqlConnector.PerformPostgresCancellation and
    /// DoCancelRequest; NpgsqlReadBuffer.ReadWithTimeoutAsync calls it; npgsql/npgsql, src/Npgsql/Internal, tag
    /// v10.0.3); against a silent server it blocks that thread up to the connect Timeout, and a second thread
    /// that cancels the same connection waits on its lock. At most two per pooled connection: with that many
    /// threads as the pool's minimum, the thread pool starts a thread at once for other work (/healthz, the
    /// answers already due) instead of injecting one every half second while those are blocked.
    /// </summary>
    private static void ReserveThreadsForCancelRequests(int maxPoolSize)
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        var wanted = Environment.ProcessorCount + 2 * maxPoolSize;
        if (workers < wanted)
        {
            ThreadPool.SetMinThreads(wanted, completionPorts);
        }
    }

    /// <summary>The connection string with the password and this service's defaults applied.</summary>
    public static NpgsqlConnectionStringBuilder ConnectionString(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var raw = config.GetConnectionString("BookStore");
        if (string.IsNullOrWhiteSpace(raw))
        {
            throw new InvalidOperationException(
                $"BookStore:Store is '{Postgres}' but ConnectionStrings:BookStore (environment ConnectionStrings__BookStore) is not set.");
        }
        // What the string itself says, keyword by keyword (Npgsql's builder reports every keyword as present).
        var given = new DbConnectionStringBuilder();
        NpgsqlConnectionStringBuilder connection;
        try
        {
            given.ConnectionString = raw;
            connection = new NpgsqlConnectionStringBuilder(raw);
        }
        catch (ArgumentException e)
        {
            // The message names the keyword, never the value: the string may hold a password.
            throw new InvalidOperationException($"ConnectionStrings:BookStore is not a valid connection string: {e.Message}", e);
        }
        if (string.IsNullOrEmpty(connection.Host) || string.IsNullOrEmpty(connection.Database))
        {
            throw new InvalidOperationException("ConnectionStrings:BookStore must name a Host and a Database.");
        }
        var password = config["BookStore:DatabasePassword"];
        if (!string.IsNullOrEmpty(password))
        {
            connection.Password = password;
        }
        if (!given.ContainsKey("Timeout"))
        {
            connection.Timeout = ConnectTimeoutSeconds;
        }
        if (!given.ContainsKey("Command Timeout") && !given.ContainsKey("CommandTimeout"))
        {
            connection.CommandTimeout = CommandTimeoutSeconds;
        }
        if (!given.ContainsKey("Maximum Pool Size") && !given.ContainsKey("Max Pool Size") && !given.ContainsKey("MaxPoolSize"))
        {
            connection.MaxPoolSize = MaxPoolSize;
        }
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            connection.MaxAutoPrepare = MaxAutoPrepare;
        }
        if (!given.ContainsKey("Cancellation Timeout") && !given.ContainsKey("CancellationTimeout"))
        {
            connection.CancellationTimeout = CancellationTimeoutMilliseconds;
        }
        if (!given.ContainsKey("Tcp Keepalive Time") && !given.ContainsKey("TcpKeepAliveTime"))
        {
            connection.TcpKeepAliveTime = TcpKeepAliveTimeSeconds;
        }
        // Npgsql refuses an interval without a time (NpgsqlConnector.SetSocketOptions): none when keepalive is off.
        if (connection.TcpKeepAliveTime > 0 && !given.ContainsKey("Tcp Keepalive Interval") && !given.ContainsKey("TcpKeepAliveInterval"))
        {
            connection.TcpKeepAliveInterval = TcpKeepAliveIntervalSeconds;
        }
        // Zero means "no limit" to Npgsql: a silent database would then hold requests and connections for ever. At the
        // other end, Npgsql's cancellation timer refuses a Command Timeout past ~49 days (the task would stop at its
        // first statement with an unrelated message), and a request budget of more than an hour helps nobody.
        if (connection.Timeout is < 1 or > MaxTimeoutSeconds || connection.CommandTimeout is < 1 or > MaxTimeoutSeconds)
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:BookStore must keep Timeout and Command Timeout between 1 and {MaxTimeoutSeconds} seconds; got Timeout={connection.Timeout}, Command Timeout={connection.CommandTimeout}.");
        }
        connection.ApplicationName ??= "bookstore-api";
        return connection;
    }
}
