using System.Diagnostics;
using System.Globalization;
using System.Net;
using Xunit.Abstractions;

namespace DotnetFargate.Tests;

/// <summary>
/// What only the PostgreSQL store has to show: several tasks creating the schema at once, data that
/// outlives the process, a database that goes away and comes back, and configuration it refuses.
/// Every BookStore behaviour test also runs on PostgreSQL (the *OnPostgres classes).
/// </summary>
public sealed class PostgresStoreTests(ITestOutputHelper output)
{
    // How long the outage test waits for what it must see: generous, so a busy machine is slow, not a failure.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public Task Three_tasks_starting_at_once_create_and_seed_the_schema_exactly_once() =>
        TestPostgres.Shared.WithDatabaseAsync(async (server, database) =>
        {
            var services = await Task.WhenAll(Enumerable.Range(0, 3)
                .Select(_ => ServiceProcess.StartAsync("BookStore.Api", server.BookStoreEnvironment(database))));
            try
            {
                await Task.WhenAll(services.Select(s => TestPostgres.WaitUntilReadyAsync(s)));
                // Ready comes before the log line that says how: the console logger writes on a thread of its own.
                await FaultLoad.UntilAsync(() => services.All(s => s.StdoutLines.Any(l => l.Contains("schema version", StringComparison.Ordinal))),
                    TimeSpan.FromSeconds(10), "a service ready without its schema line");
                var outcomes = services.SelectMany(s => s.StdoutLines).Where(l => l.Contains("schema version", StringComparison.Ordinal)).ToList();
                Assert.Equal(3, outcomes.Count);
                Assert.Single(outcomes, l => l.Contains("\"Outcome\":\"created\"", StringComparison.Ordinal));

                await using var connection = server.Connect(database);
                await connection.OpenAsync();
                Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM bookstore_schema"));
                Assert.Equal(15L, await ScalarAsync(connection, "SELECT count(*) FROM books"));
                Assert.Equal(10L, await ScalarAsync(connection, "SELECT count(*) FROM orders"));

                // Every task sees the same data, and new ids continue after the seed's.
                var api = new BookStoreClient(services[0].Client);
                var category = await api.CreateCategoryAsync();
                Assert.True(category > 8, $"new category id {category} collides with the seed's");
                var books = await services[2].Client.GetStringAsync("/api/books");
                Assert.Equal(books, await services[1].Client.GetStringAsync("/api/books"));
            }
            finally
            {
                foreach (var service in services)
                {
                    await service.DisposeAsync();
                }
            }
        });

    [Fact]
    public Task Data_outlives_the_process_and_a_restart_does_not_seed_again() =>
        TestPostgres.Shared.WithDatabaseAsync(async (server, database) =>
        {
            int book;
            await using (var first = await ServiceProcess.StartAsync("BookStore.Api", server.BookStoreEnvironment(database)))
            {
                await TestPostgres.WaitUntilReadyAsync(first);
                book = await new BookStoreClient(first.Client).CreateStockedBookAsync(3);
            }
            await using var second = await ServiceProcess.StartAsync("BookStore.Api", server.BookStoreEnvironment(database));
            await TestPostgres.WaitUntilReadyAsync(second);
            await FaultLoad.UntilAsync(() => second.StdoutLines.Any(l => l.Contains("schema version", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(10), "ready without its schema line");
            Assert.Contains(second.StdoutLines, l => l.Contains("\"Outcome\":\"found\"", StringComparison.Ordinal));
            Assert.Equal(3, await new BookStoreClient(second.Client).StockAsync(book));
            await using var connection = server.Connect(database);
            await connection.OpenAsync();
            Assert.Equal(16L, await ScalarAsync(connection, "SELECT count(*) FROM books"));
        });

    [Fact]
    public Task The_database_has_the_last_word_on_stock_never_going_below_zero() =>
        TestPostgres.Shared.WithDatabaseAsync(async (server, database) =>
        {
            await using var service = await ServiceProcess.StartAsync("BookStore.Api", server.BookStoreEnvironment(database));
            await TestPostgres.WaitUntilReadyAsync(service);
            await using var connection = server.Connect(database);
            await connection.OpenAsync();
            var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
                ScalarAsync(connection, "UPDATE inventories SET amount = -1 WHERE book_id = 15"));
            Assert.Equal(Npgsql.PostgresErrorCodes.CheckViolation, error.SqlState);
        });

    [Fact]
    public async Task A_database_outage_under_load_is_503s_without_hangs_and_service_resumes_without_a_restart()
    {
        var server = await TestPostgres.StartOwnAsync();
        try
        {
            await server.CreateDatabaseAsync("bookstore");
            await using var service = await ServiceProcess.StartAsync("BookStore.Api", server.BookStoreEnvironment("bookstore"));
            await TestPostgres.WaitUntilReadyAsync(service);
            var book = await new BookStoreClient(service.Client).CreateStockedBookAsync(100_000);
            await using var load = FaultLoad.Start(service, book, clients: 8);

            // Each phase waits for what it must see, not for a fixed time: on a busy machine the first order (a
            // cold path on new pooled connections) took more than the 1 s of load this test used to allow.
            await FaultLoad.UntilAsync(() => load.Answers.Any(a => a.Status == 200) && load.Answers.Any(a => a.Status == 201),
                Deadline, "no book list and no order answered before the outage");
            var stoppedAt = load.Now;
            await server.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(2));
            await FaultLoad.UntilAsync(() => load.Between(stoppedAt, load.Now).Any(a => a.Status == 503), Deadline, "the outage produced no 503");
            Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await service.Client.GetAsync("/ready")).StatusCode);
            var outage = await service.Client.GetAsync("/api/books");
            var problem = await HttpAssert.ProblemAsync(outage, 503);
            Assert.Contains("database", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.NotNull(outage.Headers.RetryAfter);

            await server.StartAgainAsync();
            var backAt = load.Now;
            var recovered = Stopwatch.StartNew();
            while ((await service.Client.GetAsync("/api/books")).StatusCode != HttpStatusCode.OK)
            {
                Assert.True(recovered.Elapsed < TimeSpan.FromSeconds(10), "no 200 within 10 s of the database's return");
                await Task.Delay(100);
            }
            await FaultLoad.UntilAsync(() => load.Between(backAt, load.Now).Any(a => a.Status == 201) && load.FirstReady(backAt, 200) is not null,
                Deadline, "no order placed and /ready not 200 after the database came back");
            await load.StopAsync();
            var figures = OutageFigures(load, stoppedAt, backAt);
            output.WriteLine(figures);

            Assert.False(service.HasExited);
            // No 500, no timeout, and no request held past the store's own timeouts.
            load.AssertOnlySuccessOr503AndCommitsInFlight(backAt, figures);
            Assert.True(load.Answers.Max(a => a.Took) < TimeSpan.FromSeconds(11), figures);
            Assert.Empty(load.Failures);
            Assert.DoesNotContain(service.StdoutLines, l => l.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal)
                && l.Contains("Unhandled exception", StringComparison.Ordinal));
        }
        finally
        {
            await server.CleanAsync();
        }
    }

    [Fact]
    public async Task A_task_started_before_its_database_becomes_ready_when_the_database_comes_up()
    {
        var server = await TestPostgres.StartOwnAsync();
        try
        {
            await server.CreateDatabaseAsync("bookstore");
            await server.StopAsync();
            await using var service = await ServiceProcess.StartAsync("BookStore.Api", server.BookStoreEnvironment("bookstore"));
            Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/healthz")).StatusCode);
            await HttpAssert.ProblemAsync(await service.Client.GetAsync("/api/books"), 503);
            var deadline = Stopwatch.StartNew();
            while (!service.StdoutLines.Any(l => l.Contains("is unavailable (attempt", StringComparison.Ordinal)))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "no retry logged");
                await Task.Delay(50);
            }
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await service.Client.GetAsync("/ready")).StatusCode);

            await server.StartAgainAsync();
            await TestPostgres.WaitUntilReadyAsync(service, TimeSpan.FromSeconds(30));
            var books = await HttpAssert.JsonAsync(await service.Client.GetAsync("/api/books"), HttpStatusCode.OK);
            Assert.Equal(15, books.GetArrayLength());
        }
        finally
        {
            await server.CleanAsync();
        }
    }

    [Fact]
    public Task A_password_the_database_refuses_keeps_the_task_alive_unready_and_answering_503() =>
        TestPostgres.Shared.WithDatabaseAsync(async (server, database) =>
        {
            // A wrong or changed password (class 28 in PostgreSQL's error codes) is the database refusing this
            // task, not a bug in a request: the task stays live, is not ready, answers 503 with Retry-After, and
            // its log says why, without the password.
            var environment = new Dictionary<string, string>(server.BookStoreEnvironment(database))
            {
                ["BookStore__DatabasePassword"] = "not-the-password",
            };
            await using var service = await ServiceProcess.StartAsync("BookStore.Api", environment);
            var deadline = Stopwatch.StartNew();
            while (!service.StdoutLines.Any(l => l.Contains("password authentication failed", StringComparison.Ordinal)))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "the refused password was not logged");
                await Task.Delay(50);
            }
            var books = await service.Client.GetAsync("/api/books");
            Assert.NotNull(books.Headers.RetryAfter);
            await HttpAssert.ProblemAsync(books, 503);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await service.Client.GetAsync("/ready")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/healthz")).StatusCode);
            Assert.False(service.HasExited, "the service stopped on a refused password");
            Assert.DoesNotContain(service.StdoutLines, l => l.Contains("not-the-password", StringComparison.Ordinal));
        });

    [Fact]
    public Task The_store_s_connections_to_the_database_use_tcp_keepalive() =>
        TestPostgres.Shared.WithDatabaseAsync(async (server, database) =>
        {
            await using var service = await ServiceProcess.StartAsync("BookStore.Api", server.BookStoreEnvironment(database));
            await TestPostgres.WaitUntilReadyAsync(service);
            Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/api/books")).StatusCode);
            // The kernel's socket table (/proc/net/tcp, proc(5)): for an idle socket with SO_KEEPALIVE the timer
            // column says 02 (keepalive), counting down from TCP_KEEPIDLE in clock ticks (USER_HZ, 100 a second).
            var port = server.Settings(database).Port;
            var mine = SocketInodes(service.Pid);
            var sockets = File.ReadLines("/proc/net/tcp").Concat(File.ReadLines("/proc/net/tcp6")).Skip(1)
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length > 9 && mine.Contains(f[9]) && f[3] == "01"
                    && Convert.ToInt32(f[2].Split(':')[1], 16) == port)
                .ToList();
            Assert.NotEmpty(sockets);
            Assert.All(sockets, f =>
            {
                var timer = f[5].Split(':');
                Assert.Equal("02", timer[0]);
                Assert.InRange(Convert.ToInt64(timer[1], 16), 1, 30 * 100);
            });
        });

    [Fact]
    public async Task A_schema_the_task_may_not_create_stops_it_with_exit_code_1_not_a_clean_exit()
    {
        // Let in (CONNECT) but not allowed to create tables (PostgreSQL 15 and later give PUBLIC no CREATE on
        // schema public): 42501 on a statement is no outage to wait out, and ECS must see a failed task.
        var server = TestPostgres.Shared;
        var role = "bookstore_ro_" + Guid.NewGuid().ToString("N")[..8];
        var password = Guid.NewGuid().ToString("N");
        await server.ExecuteAsync($"CREATE ROLE {role} LOGIN PASSWORD '{password}'", null);
        try
        {
            await server.WithDatabaseAsync(async (_, database) =>
            {
                await server.ExecuteAsync($"REVOKE CREATE ON SCHEMA public FROM PUBLIC", database);
                await using var service = await ServiceProcess.StartAsync("BookStore.Api", server.BookStoreEnvironment(database, role, password));
                Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the task kept running without a schema");
                Assert.Equal(1, service.ExitCode);
                Assert.Contains(service.StdoutLines, l => l.Contains("the schema cannot be created", StringComparison.Ordinal)
                    && l.Contains("42501", StringComparison.Ordinal));
            });
        }
        finally
        {
            await server.ExecuteAsync($"DROP ROLE IF EXISTS {role}", null);
        }
    }

    [Theory]
    [InlineData("BookStore__Store", "mysql", "BookStore:Store must be 'memory' or 'postgres'; got 'mysql'")]
    [InlineData("BookStore__Store", "postgres", "ConnectionStrings:BookStore (environment ConnectionStrings__BookStore) is not set")]
    public async Task A_store_it_cannot_use_stops_the_service_at_start_and_says_why(string key, string value, string message)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync(
            "BookStore.Api", new Dictionary<string, string> { [key] = value }));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=db;Database=bookstore;Password=hunter2;Nonsense=1", "ConnectionStrings:BookStore is not a valid connection string")]
    [InlineData("Host=db;Database=bookstore;Password=hunter2;Command Timeout=0", "ConnectionStrings:BookStore must keep Timeout and Command Timeout between 1 and 3600 seconds; got Timeout=5, Command Timeout=0.")]
    // Past Npgsql's cancellation timer (~49 days) the task stopped at its first statement with an unrelated message.
    [InlineData("Host=db;Database=bookstore;Password=hunter2;Command Timeout=5000000", "ConnectionStrings:BookStore must keep Timeout and Command Timeout between 1 and 3600 seconds; got Timeout=5, Command Timeout=5000000.")]
    public async Task A_connection_string_retrying_cannot_fix_stops_the_task_with_a_non_zero_exit_naming_the_setting(string connection, string message)
    {
        // Unlike a database that refuses the task (an outage, retried), this can only be fixed by a new task
        // definition: a non-zero exit, which ECS reports as a failed task, not a clean one.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync(
            "BookStore.Api", new Dictionary<string, string>
            {
                ["BookStore__Store"] = "postgres",
                ["ConnectionStrings__BookStore"] = connection,
            }));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Matches("exited with code [1-9][0-9]* before listening", error.Message);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The inodes of the sockets process <paramref name="pid"/> holds (its fds link to "socket:[inode]").</summary>
    private static HashSet<string> SocketInodes(int pid) =>
        Directory.GetFiles($"/proc/{pid}/fd")
            .Select(fd => new FileInfo(fd).LinkTarget ?? "")
            .Where(t => t.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(t => t["socket:[".Length..^1])
            .ToHashSet();

    private static async Task<object?> ScalarAsync(Npgsql.NpgsqlConnection connection, string sql)
    {
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>What the outage test saw: statuses per phase, the slowest request, and how soon an order went through.</summary>
    private static string OutageFigures(FaultLoad load, TimeSpan stoppedAt, TimeSpan backAt)
    {
        string Seconds(TimeSpan? t) => t is { } v ? v.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s" : "never";
        TimeSpan? FirstOrder(TimeSpan from) => load.Between(from, TimeSpan.MaxValue).Where(a => a.Status == 201).Min(a => (TimeSpan?)(a.At + a.Took - from));
        var ready = load.FirstReady(backAt, 200);
        return $"statuses before {FaultLoad.Statuses(load.Between(TimeSpan.Zero, stoppedAt))}; "
            + $"during {FaultLoad.Statuses(load.Between(stoppedAt, backAt))}; after {FaultLoad.Statuses(load.Between(backAt, TimeSpan.MaxValue))}; "
            + $"slowest request {Seconds(load.Answers.Max(a => a.Took))}; first order {Seconds(FirstOrder(TimeSpan.Zero))} after the load started, "
            + $"{Seconds(FirstOrder(backAt))} after the database came back; ready {Seconds(ready is null ? null : ready.At + ready.Took - backAt)} after it came back";
    }
}
