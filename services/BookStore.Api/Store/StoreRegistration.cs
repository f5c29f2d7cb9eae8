using System.Data.Common;
using BookStore.Api.Store.Postgres;
using DotnetFargate.Platform;
using Npgsql;

namespace BookStore.Api.Store;

/// <summary>What the PostgreSQL store was configured with (the password stays in the data source).</summary>
public sealed record PostgresStoreOptions(bool Seed, string Endpoint);

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
    private const int MaxPoolSize = 20;
    // Statements run this often are prepared on each connection once (Npgsql's automatic preparation):
    // the server skips parsing and planning them again. The store has about 30 distinct statements.
    private const int MaxAutoPrepare = 32;

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
        services.AddSingleton(new PostgresStoreOptions(seed, endpoint));
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connection.ConnectionString).Build());
        services.AddSingleton<PostgresReadiness>();
        services.AddSingleton<IBookStore, PostgresBookStore>();
        services.AddHostedService<PostgresInitializer>();
        services.AddHealthChecks().AddCheck<PostgresReadyCheck>("bookstore-database", tags: [ServiceDefaults.ReadyTag]);
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
        connection.ApplicationName ??= "bookstore-api";
        return connection;
    }
}
