using DotnetFargate.Platform;
using Npgsql;
using static BookStore.Api.Store.Postgres.PostgresSql;

namespace BookStore.Api.Store.Postgres;

// Connections, commands and failures: the part of the store that knows nothing of books.
public sealed partial class PostgresBookStore
{
    /// <summary>
    /// Runs <paramref name="work"/> on a pooled connection and answers within the request budget whatever the
    /// database does. Npgsql's own timeouts are not enough against a silent server: after a timed-out statement it
    /// sends PostgreSQL a cancel request over a new connection, synchronously (NpgsqlConnector.DoCancelRequest,
    /// npgsql/npgsql src/Npgsql/Internal/NpgsqlConnector.cs, tag v10.0.3), and the request waits for that too.
    /// So the request stops waiting at the budget, and the work is cancelled off the request's path.
    /// </summary>
    private async ValueTask<T> RunAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken ct, Commit? commit = null)
    {
        readiness.ThrowIfNotInitialized();
        var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = RunOnConnectionAsync(work, commit, abort.Token);
        try
        {
            return await running.WaitAsync(options.RequestBudget, ct);
        }
        catch (TimeoutException) when (running.IsCompleted)
        {
            return await running; // finished as the budget ran out: its own answer
        }
        catch (Exception e) when (!running.IsCompleted)
        {
            // Cancelling runs Npgsql's callbacks, which block on that cancel request: on the pool, not here. The
            // cancellation also stops the work before its next statement, so nothing commits after this answer
            // unless its commit was already sent: the server may carry that out, so the answer says so (below).
            _ = abort.CancelAsync();
            _ = running.ContinueWith(static (t, cts) =>
            {
                _ = t.Exception; // observed: the request has its answer already
                ((CancellationTokenSource)cts!).Dispose();
            }, abort, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            abort = null;
            if (e is TimeoutException && !ct.IsCancellationRequested)
            {
                if (commit?.Sent == true)
                {
                    throw new WriteOutcomeUnknownException(
                        $"The BookStore's database did not confirm the change within {options.RequestBudget.TotalSeconds:0.#} s: it may or may not have been made.", e);
                }
                throw new DependencyUnavailableException(
                    $"The BookStore's database did not answer within {options.RequestBudget.TotalSeconds:0.#} s.", e);
            }
            throw;
        }
        finally
        {
            abort?.Dispose();
        }
    }

    /// <summary>
    /// A write's work: like <see cref="RunAsync{T}"/>, and the work marks on <see cref="Commit"/> when it sends what
    /// commits it. From then on a budget that runs out, or a connection that breaks, no longer means "not done".
    /// </summary>
    private ValueTask<T> WriteAsync<T>(Func<NpgsqlConnection, Commit, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        var commit = new Commit();
        return RunAsync((connection, ct) => work(connection, commit, ct), ct, commit);
    }

    /// <summary>
    /// Whether a write has sent what commits it: its transaction's COMMIT, or its one statement outside a
    /// transaction. Before that, a failure means nothing was changed (the transaction rolls back with its
    /// connection); after it, only the server knows.
    /// </summary>
    private sealed class Commit
    {
        private volatile bool _sent;

        public bool Sent => _sent;

        /// <summary>Just before the statement that commits by itself (outside a transaction).</summary>
        public void Sending() => _sent = true;

        public Task CommitAsync(NpgsqlTransaction tx, CancellationToken ct)
        {
            _sent = true;
            return tx.CommitAsync(ct);
        }
    }

    private async Task<T> RunOnConnectionAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, Commit? commit, CancellationToken ct)
    {
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
            // The body stays generic (a server's message names roles and databases); the log has the cause.
            if (commit?.Sent == true)
            {
                throw new WriteOutcomeUnknownException(
                    "The BookStore's database became unavailable while the change was being committed: it may or may not have been made.", e);
            }
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
    /// <summary>
    /// True when <paramref name="exception"/> says the database is unavailable to this task: an outage to wait out
    /// (503 and not ready), never a bug in the request. SQLSTATEs as PostgreSQL's documentation lists them in
    /// Appendix A, "PostgreSQL Error Codes" (Npgsql's PostgresErrorCodes names them):
    /// <list type="bullet">
    /// <item>class 08 Connection Exception, class 53 Insufficient Resources (too many connections, out of memory,
    /// disk full), 57P01-57P05 (the server or the session is shutting down, starting, or its database dropped);</item>
    /// <item>class 28 Invalid Authorization Specification (a wrong or changed password, a role not let in) and
    /// class 3D Invalid Catalog Name (no such database): the database refuses this task;</item>
    /// <item>55000 (the database does not accept connections: ALTER DATABASE ... ALLOW_CONNECTIONS false) and
    /// 42501 (no CONNECT right) when they end the session at connect (severity FATAL): as a statement's error they
    /// are a bug, not an outage;</item>
    /// <item>40001 and 40P01: a serialization failure or deadlock, which a client may simply retry.</item>
    /// </list>
    /// Anything else Npgsql raises is about the connection: refused, reset, TLS, timeouts, the pool exhausted.
    /// </summary>
    public static bool IsUnavailable(Exception exception, CancellationToken requestAborted)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (requestAborted.IsCancellationRequested)
        {
            return false; // the client left; nothing to answer
        }
        return exception switch
        {
            PostgresException p => IsUnavailable(p),
            NpgsqlException => true,
            TimeoutException => true,
            System.Net.Sockets.SocketException => true,
            _ => false,
        };
    }

    private static bool IsUnavailable(PostgresException p) =>
        p.SqlState.StartsWith("08", StringComparison.Ordinal)
        || p.SqlState.StartsWith("28", StringComparison.Ordinal)
        || p.SqlState.StartsWith("3D", StringComparison.Ordinal)
        || p.SqlState.StartsWith("53", StringComparison.Ordinal)
        || p.SqlState.StartsWith("57P", StringComparison.Ordinal)
        || (p.SqlState is PostgresErrorCodes.ObjectNotInPrerequisiteState or PostgresErrorCodes.InsufficientPrivilege
            && p.InvariantSeverity == "FATAL")
        || p.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected;
}
