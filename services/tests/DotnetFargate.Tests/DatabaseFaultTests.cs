using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;
using Xunit.Abstractions;

namespace DotnetFargate.Tests;

/// <summary>
/// The BookStore under load while its PostgreSQL server freezes or refuses it: every request ends within its
/// budget with a success or a labelled 503, /healthz keeps answering, /ready follows the database, and the
/// process never exits. Each test prints its figures (statuses, longest request, longest /healthz, time to ready).
/// </summary>
public sealed class DatabaseFaultTests(ITestOutputHelper output)
{
    // Short timeouts keep the test quick: a request's budget is their sum, 5 s, and the freeze outlasts it.
    private const int ConnectTimeoutSeconds = 2;
    private const int CommandTimeoutSeconds = 3;
    private static readonly TimeSpan Freeze = TimeSpan.FromSeconds(6);
    // The store's default Maximum Pool Size, and /ready's probe pool beside it (StoreRegistration).
    private const int MaxPoolSize = 20;
    private const int ProbePoolSize = 2;
    // What a request may take past its budget: the answer's own way through the process and the load's client.
    // 1 s was less than /healthz, the same way out, once took on a busy CI machine (below).
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);
    // /healthz must stay well inside the target group's 5 s health-check timeout (infra/load-balancer.ts) while the
    // database is out; before the request budget it took 2.6 s on a 5 s freeze. 1 s failed once on a busy CI machine.
    private static readonly TimeSpan HealthzBound = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_frozen_database_under_load_is_503s_within_the_budget_while_healthz_answers_and_ready_follows()
    {
        var server = await TestPostgres.StartOwnAsync();
        try
        {
            await using var service = await StartReadyBookStoreAsync(server, ConnectTimeoutSeconds, CommandTimeoutSeconds);
            var book = await new BookStoreClient(service.Client).CreateStockedBookAsync(100_000);

            await using var load = FaultLoad.Start(service, book);
            await FaultLoad.UntilAsync(() => load.Answers.Any(a => a.Status == 201) && load.Ready.Any(p => p.Status == 200),
                TimeSpan.FromSeconds(10), "no order placed before the freeze");
            await Task.Delay(500);
            await server.FreezeAsync();
            var frozenAt = load.Now; // every server process is stopped from here on
            TimeSpan thawedAt;
            try
            {
                await Task.Delay(Freeze);
            }
            finally
            {
                await server.ThawAsync();
                thawedAt = load.Now;
            }
            // A resumed server first works through the connections queued while it was stopped: "the database
            // answers again" is when a new connection of the test's own gets an answer.
            await server.ExecuteAsync("SELECT 1", null);
            var answersAt = load.Now;
            await FaultLoad.UntilAsync(() => load.FirstReady(thawedAt, 200) is not null
                && load.Between(thawedAt, load.Now).Any(a => a.Status == 201), TimeSpan.FromSeconds(15), "no recovery after the thaw");
            await Task.Delay(500);
            await load.StopAsync();

            var baseline = load.Threads.Where(t => t.At < frozenAt).Max(t => t.Count);
            var peak = load.Threads.Where(t => t.At >= frozenAt && t.At < thawedAt + TimeSpan.FromSeconds(2)).Max(t => t.Count);
            var figures = Figures(load, frozenAt, thawedAt)
                + $"; the database answered {(answersAt - thawedAt).TotalSeconds:0.00} s after the thaw; threads {baseline} before, at most {peak} during";
            output.WriteLine(figures);

            Assert.Empty(load.Failures);
            load.AssertOnlySuccessOr503AndCommitsInFlight(thawedAt, figures);
            Assert.Contains(load.Between(frozenAt, thawedAt), a => a.Status == 503);
            var budget = TimeSpan.FromSeconds(ConnectTimeoutSeconds + CommandTimeoutSeconds) + Slack;
            Assert.True(load.Answers.Max(a => a.Took) <= budget, $"a request took longer than {budget.TotalSeconds} s: {figures}");
            Assert.True(load.Healthz.Max(p => p.Took) < HealthzBound, figures);
            Assert.All(load.Healthz, p => Assert.Equal(200, p.Status));
            var unready = load.FirstReady(frozenAt, 503);
            Assert.True(unready is not null && unready.At + unready.Took - frozenAt <= TimeSpan.FromSeconds(2), $"/ready not 503 within 2 s of the freeze: {figures}");
            var ready = load.FirstReady(thawedAt, 200)!;
            Assert.True(ready.At + ready.Took - answersAt <= TimeSpan.FromSeconds(2), $"/ready not back within 2 s of the database answering: {figures}");
            // Threads blocked in Npgsql's cancel requests: at most two per pooled connection, the probe's pool's
            // included, each for at most the connect timeout (StoreRegistration.ReserveThreadsForCancelRequests);
            // nothing of ours blocks one.
            Assert.True(peak - baseline <= 2 * (MaxPoolSize + ProbePoolSize), figures);
            Assert.False(service.HasExited);
        }
        finally
        {
            await server.CleanAsync();
        }
    }

    [Fact]
    public async Task A_commit_the_database_does_not_confirm_in_time_is_a_504_without_Retry_After_and_the_order_is_placed_once()
    {
        var server = await TestPostgres.StartOwnAsync();
        try
        {
            await using var service = await StartReadyBookStoreAsync(server, connectTimeoutSeconds: 1, commandTimeoutSeconds: 4);
            var api = new BookStoreClient(service.Client);
            var book = await api.CreateStockedBookAsync(5);
            // One order first, on a book of its own, so the timed order below takes no first-call cost on its way in.
            using (var warm = await api.PlaceOrderAsync(await api.CreateStockedBookAsync(1)))
            {
                Assert.Equal(HttpStatusCode.Created, warm.StatusCode);
            }

            // Every COMMIT that wrote something now waits for a synchronous standby that never comes: the server holds
            // the change and the client hears nothing (PostgreSQL documentation, "Synchronous Replication"), as in a
            // storage stall.
            await server.ExecuteAsync("CREATE TABLE commit_probe (x int)", "bookstore");
            await server.ExecuteAsync("ALTER SYSTEM SET synchronous_standby_names = 'nobody'", null);
            await server.ExecuteAsync("SELECT pg_reload_conf()", null);
            HttpResponseMessage placed;
            try
            {
                await UntilCommitsWaitAsync(server);
                // The order's COMMIT must start late in its 5 s budget, or Npgsql's 4 s command timeout would cancel
                // the wait first (and PostgreSQL then commits and answers), and its row lock must come within those 4 s:
                // the test holds the stock row for 2.5 s, which leaves 1.5 s either way for the order's way in.
                await using var holder = server.Connect("bookstore");
                await holder.OpenAsync();
                await using var hold = await holder.BeginTransactionAsync();
                await using (var lockRow = new NpgsqlCommand("SELECT amount FROM inventories WHERE book_id = $1 FOR UPDATE", holder, hold) { Parameters = { new() { Value = book } } })
                {
                    await lockRow.ExecuteScalarAsync();
                }
                var placing = api.PlaceOrderAsync(book);
                await Task.Delay(TimeSpan.FromSeconds(2.5));
                await hold.RollbackAsync();
                placed = await placing;
            }
            finally
            {
                await server.ExecuteAsync("ALTER SYSTEM RESET synchronous_standby_names", null);
                await server.ExecuteAsync("SELECT pg_reload_conf()", null);
            }

            // Not a 503 with Retry-After: a client that retried would place the order twice.
            var problem = await HttpAssert.ProblemAsync(placed, 504);
            Assert.Null(placed.Headers.RetryAfter);
            Assert.Contains("may or may not have been made", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            // The change was made, once: the stock went down by one and one order holds the book.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (await api.StockAsync(book) != 4 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            Assert.Equal(4, await api.StockAsync(book));
            await using var connection = server.Connect("bookstore");
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM orders WHERE $1 = ANY (book_ids)", connection) { Parameters = { new() { Value = book } } };
            Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
            // A write that times out before its commit is sent still says 503 and to retry (the frozen test above).
        }
        finally
        {
            await server.CleanAsync();
        }
    }

    /// <summary>The BookStore on a database "bookstore" of <paramref name="server"/> with these timeouts, once ready.</summary>
    private static async Task<ServiceProcess> StartReadyBookStoreAsync(TestPostgres server, int connectTimeoutSeconds, int commandTimeoutSeconds)
    {
        await server.CreateDatabaseAsync("bookstore");
        var environment = new Dictionary<string, string>(server.BookStoreEnvironment("bookstore"));
        environment["ConnectionStrings__BookStore"] += $";Timeout={connectTimeoutSeconds};Command Timeout={commandTimeoutSeconds}";
        var service = await ServiceProcess.StartAsync("BookStore.Api", environment);
        try
        {
            await TestPostgres.WaitUntilReadyAsync(service);
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
        return service;
    }

    /// <summary>
    /// The checkpointer takes a reloaded synchronous_standby_names in its own time: waits until a commit of the
    /// test's own that wrote a row (a transaction that wrote nothing does not wait) gets no answer within a second.
    /// </summary>
    private static async Task UntilCommitsWaitAsync(TestPostgres server)
    {
        var settings = server.Settings("bookstore");
        settings.CommandTimeout = 1;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            await using var connection = new NpgsqlConnection(settings.ConnectionString);
            await connection.OpenAsync();
            await using var probe = new NpgsqlCommand("INSERT INTO commit_probe VALUES (1)", connection);
            // At the command timeout Npgsql cancels, and PostgreSQL then stops waiting and commits (with a warning):
            // a probe that took the whole second waited.
            var took = Stopwatch.StartNew();
            await probe.ExecuteNonQueryAsync();
            if (took.Elapsed >= TimeSpan.FromSeconds(0.9))
            {
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail("commits never started waiting for the synchronous standby");
    }

    [Theory]
    [InlineData("allow-connections", "55000")]
    [InlineData("revoke-connect", "42501")]
    public async Task A_database_that_refuses_the_task_at_start_and_under_load_is_503s_and_the_task_is_ready_again_once_let_in(
        string refusal, string sqlState)
    {
        // A role of its own: the superuser keeps its CONNECT right whatever is revoked.
        var server = TestPostgres.Shared;
        var role = "bookstore_app_" + Guid.NewGuid().ToString("N")[..8];
        var password = Guid.NewGuid().ToString("N");
        await server.ExecuteAsync($"CREATE ROLE {role} LOGIN PASSWORD '{password}'", null);
        try
        {
            await server.WithDatabaseAsync(async (_, database) =>
            {
                await server.ExecuteAsync($"GRANT ALL ON SCHEMA public TO {role}", database);
                var (refuse, letIn) = refusal == "allow-connections"
                    ? ($"ALTER DATABASE {database} ALLOW_CONNECTIONS false", $"ALTER DATABASE {database} ALLOW_CONNECTIONS true")
                    : ($"REVOKE CONNECT ON DATABASE {database} FROM PUBLIC", $"GRANT CONNECT ON DATABASE {database} TO PUBLIC");
                // Neither ends the sessions already open: the task's are ended as a failover or a restart would.
                var endSessions = $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'";

                // At start-up: the task stays up, unready, answering 503, and says why.
                await server.ExecuteAsync(refuse, null);
                var environment = server.BookStoreEnvironment(database, role, password,
                    $";Timeout={ConnectTimeoutSeconds};Command Timeout={CommandTimeoutSeconds}");
                await using var service = await ServiceProcess.StartAsync("BookStore.Api", environment);
                await FaultLoad.UntilAsync(() => service.StdoutLines.Any(l => l.Contains("is unavailable (attempt", StringComparison.Ordinal)
                    && l.Contains(sqlState, StringComparison.Ordinal)), TimeSpan.FromSeconds(10), $"no retry logged with SQLSTATE {sqlState}");
                var refused = await service.Client.GetAsync("/api/books");
                Assert.NotNull(refused.Headers.RetryAfter);
                await HttpAssert.ProblemAsync(refused, 503);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, (await service.Client.GetAsync("/ready")).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/healthz")).StatusCode);
                Assert.False(service.HasExited, "the task stopped on a refusal at start");
                await server.ExecuteAsync(letIn, null);
                var startWatch = System.Diagnostics.Stopwatch.StartNew();
                await TestPostgres.WaitUntilReadyAsync(service, TimeSpan.FromSeconds(20));
                var readyAtStart = startWatch.Elapsed;

                // Under load: 503s while refused, service again once let in.
                var book = await new BookStoreClient(service.Client).CreateStockedBookAsync(100_000);
                await using var load = FaultLoad.Start(service, book);
                await FaultLoad.UntilAsync(() => load.Answers.Any(a => a.Status == 201), TimeSpan.FromSeconds(10), "no order placed before the refusal");
                var refusedAt = load.Now;
                await server.ExecuteAsync(refuse, null);
                await server.ExecuteAsync(endSessions, null);
                await FaultLoad.UntilAsync(() => load.FirstReady(refusedAt, 503) is not null
                    && load.Between(refusedAt, load.Now).Count(a => a.Status == 503) >= 20, TimeSpan.FromSeconds(10), "no outage seen");
                var letInAt = load.Now;
                await server.ExecuteAsync(letIn, null);
                await FaultLoad.UntilAsync(() => load.FirstReady(letInAt, 200) is not null
                    && load.Between(letInAt, load.Now).Any(a => a.Status == 201), TimeSpan.FromSeconds(15), "no recovery once let in");
                await load.StopAsync();

                var figures = Figures(load, refusedAt, letInAt) + $"; ready {readyAtStart.TotalSeconds:0.00} s after being let in at start";
                output.WriteLine($"{refusal}: {figures}");
                Assert.Empty(load.Failures);
                // Ending the sessions can cut an order whose COMMIT is on the wire: a 504, as after a failover.
                load.AssertOnlySuccessOr503AndCommitsInFlight(letInAt, figures);
                Assert.True(load.Answers.Max(a => a.Took) <= TimeSpan.FromSeconds(ConnectTimeoutSeconds + CommandTimeoutSeconds) + Slack, figures);
                Assert.All(load.Healthz, p => Assert.Equal(200, p.Status));
                Assert.True(load.Healthz.Max(p => p.Took) < HealthzBound, figures);
                Assert.False(service.HasExited);
                // Logged with the reason, as a warning: an outage, not a bug.
                Assert.Contains(service.StdoutLines, l => l.Contains("with 503", StringComparison.Ordinal) && l.Contains(sqlState, StringComparison.Ordinal));
                Assert.DoesNotContain(service.StdoutLines, l => l.Contains("Unhandled exception", StringComparison.Ordinal));
            });
        }
        finally
        {
            await server.ExecuteAsync($"DROP ROLE IF EXISTS {role}", null);
        }
    }

    private static string Figures(FaultLoad load, TimeSpan faultAt, TimeSpan endAt)
    {
        var unready = load.FirstReady(faultAt, 503);
        var ready = load.FirstReady(endAt, 200);
        string Seconds(TimeSpan? t) => t is { } v ? v.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s" : "never";
        return $"statuses before {FaultLoad.Statuses(load.Between(TimeSpan.Zero, faultAt))}; "
            + $"during {FaultLoad.Statuses(load.Between(faultAt, endAt))}; after {FaultLoad.Statuses(load.Between(endAt, TimeSpan.MaxValue))}; "
            + $"longest request {Seconds(load.Answers.Max(a => a.Took))}; longest /healthz {Seconds(load.Healthz.Max(p => p.Took))}; "
            + $"/ready 503 {Seconds(unready is null ? null : unready.At + unready.Took - faultAt)} after the fault; "
            + $"ready {Seconds(ready is null ? null : ready.At + ready.Took - endAt)} after it ended";
    }
}
