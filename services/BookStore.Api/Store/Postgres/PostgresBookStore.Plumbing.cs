using DotnetFargate.Platform;
using Npgsql;
using static BookStore.Api.Store.Postgres.PostgresSql;

namespace BookStore.Api.Store.Postgres;

// Connections, commands and failures: the part of the store that knows nothing of books.
public sealed partial class PostgresBookStore
{
    private async ValueTask<T> RunAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        readiness.ThrowIfNotInitialized();
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            return await work(connection, ct);
        }
        catch (Exception e) when (PostgresFailures.IsUnavailable(e, ct))
        {
            // Idle connections to a server that went away are broken too: drop them all, so the first
            // requests after it is back get fresh ones instead of failing one by one.
            dataSource.Clear();
            throw new DependencyUnavailableException("The BookStore's database is unavailable.", e);
        }
    }

    private ValueTask<IReadOnlyList<T>> ListAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params object[] args) =>
        RunAsync((connection, ct) => QueryListAsync(connection, null, sql, read, ct, args), ct);

    private ValueTask<T?> SingleAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params object[] args)
        where T : class =>
        RunAsync((connection, ct) => QuerySingleAsync(connection, null, sql, read, ct, args), ct);

    private static async Task<IReadOnlyList<T>> QueryListAsync<T>(
        NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, Func<NpgsqlDataReader, T> read,
        CancellationToken ct, params object[] args)
    {
        var rows = new List<T>();
        await QueryEachAsync(connection, tx, sql, r => rows.Add(read(r)), ct, args);
        return rows;
    }

    private static async Task<T?> QuerySingleAsync<T>(
        NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, Func<NpgsqlDataReader, T> read,
        CancellationToken ct, params object[] args)
        where T : class
    {
        T? row = null;
        await QueryEachAsync(connection, tx, sql, r => row ??= read(r), ct, args);
        return row;
    }

    private static async Task QueryEachAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, Action<NpgsqlDataReader> each,
        CancellationToken ct, params object[] args)
    {
        await using var command = Command(connection, tx, sql, args);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            each(reader);
        }
    }

    private static async Task<long> CountAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken ct, params object[] args)
    {
        await using var command = Command(connection, tx, sql, args);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Which failures mean "the database can't be reached now" (503) rather than a bug (500).</summary>
public static class PostgresFailures
{
    public static bool IsUnavailable(Exception exception, CancellationToken requestAborted)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (requestAborted.IsCancellationRequested)
        {
            return false; // the client left; nothing to answer
        }
        return exception switch
        {
            // Class 08: connection exceptions; 57P01-57P03: the server is shutting down or starting;
            // 53300: too many connections; 40001/40P01: a transaction the client may simply retry.
            // SQLSTATE classes as PostgreSQL's errcodes list them (Npgsql's PostgresErrorCodes names them).
            // Class 28 (a wrong or changed password, a role not allowed in) and 3D000 (no such database): the
            // database refuses this task. Not a bug in the request: 503 and not ready, with the reason logged,
            // rather than a 500 per request or, at start, an initializer that stops the process.
            PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal)
                || p.SqlState.StartsWith("28", StringComparison.Ordinal)
                || p.SqlState is PostgresErrorCodes.InvalidCatalogName
                || p.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                    or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections
                    or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
            // Everything else Npgsql raises is about the connection: refused, reset, TLS, timeouts, pool exhausted.
            NpgsqlException => true,
            TimeoutException => true,
            System.Net.Sockets.SocketException => true,
            _ => false,
        };
    }
}
