using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;

namespace DotnetFargate.Tests;

/// <summary>
/// A real PostgreSQL server for the tests. <see cref="Shared"/> is the one services/scripts/test.sh starts
/// (a throw-away cluster on a loopback port) and names in BOOKSTORE_TEST_POSTGRES, an Npgsql connection
/// string for its superuser; without that variable (a plain `dotnet test`) the first test to need it starts one.
/// <see cref="StartOwnAsync"/> starts a private one with the same script, for a test that stops and restarts its server.
/// </summary>
public sealed class TestPostgres
{
    public const string EnvironmentVariable = "BOOKSTORE_TEST_POSTGRES";

    private static readonly Lazy<TestPostgres> SharedServer = new(() =>
    {
        var connection = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(connection))
        {
            return new TestPostgres(connection, directory: null);
        }
        // A plain `dotnet test`: start a throw-away server with the same script, removed when the test run exits
        // (or, if it is killed, by the script's watcher).
        var own = StartOwnAsync().GetAwaiter().GetResult();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => own.CleanAsync().GetAwaiter().GetResult();
        return own;
    });

    private readonly NpgsqlConnectionStringBuilder _admin;
    private readonly string? _directory;

    private TestPostgres(string adminConnectionString, string? directory)
    {
        _admin = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = "postgres", Pooling = false };
        _directory = directory;
    }

    public static TestPostgres Shared => SharedServer.Value;

    public static string NewDatabaseName() => "bookstore_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>What the BookStore gets to use database <paramref name="database"/>, as the stack gives it.</summary>
    public IReadOnlyDictionary<string, string> BookStoreEnvironment(string database) => new Dictionary<string, string>
    {
        ["BookStore__Store"] = "postgres",
        // No password in the string: it arrives apart, as the ECS secret does.
        ["ConnectionStrings__BookStore"] =
            $"Host={_admin.Host};Port={_admin.Port};Database={database};Username={_admin.Username};SSL Mode=Require",
        ["BookStore__DatabasePassword"] = _admin.Password!,
    };

    public async Task CreateDatabaseAsync(string database) => await ExecuteAsync($"CREATE DATABASE {database}");

    public async Task DropDatabaseAsync(string database) => await ExecuteAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");

    /// <summary>Runs <paramref name="test"/> with a database of its own on this server, dropped afterwards.</summary>
    public async Task WithDatabaseAsync(Func<TestPostgres, string, Task> test)
    {
        ArgumentNullException.ThrowIfNull(test);
        var database = NewDatabaseName();
        await CreateDatabaseAsync(database);
        try
        {
            await test(this, database);
        }
        finally
        {
            await DropDatabaseAsync(database);
        }
    }

    public NpgsqlConnection Connect(string database) => new(Settings(database).ConnectionString);

    /// <summary>The superuser's settings for <paramref name="database"/>: a copy, to change (its TLS keywords, say).</summary>
    public NpgsqlConnectionStringBuilder Settings(string database) =>
        new(_admin.ConnectionString) { Database = database };

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_admin.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Waits for the service's /ready to answer 200 (schema created and seeded).</summary>
    public static async Task WaitUntilReadyAsync(ServiceProcess service, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await service.Client.GetAsync("/ready");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }
            if (deadline.Elapsed > limit)
            {
                throw new TimeoutException($"The BookStore did not become ready in {limit.TotalSeconds} s: {await response.Content.ReadAsStringAsync()}");
            }
            await Task.Delay(100);
        }
    }

    // ---- a private server ----

    /// <summary>
    /// Starts a server of its own in a new temporary folder; <see cref="CleanAsync"/> removes it, and so does the
    /// script once this test host has exited, even killed (a test that fails or hangs would otherwise leak it).
    /// </summary>
    public static async Task<TestPostgres> StartOwnAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "bookstore-pg-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var connection = await RunScriptAsync("start", directory, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            return new TestPostgres(connection.Trim(), directory);
        }
        catch
        {
            await RunScriptAsync("clean", directory);
            throw;
        }
    }

    public Task StopAsync() => RunScriptAsync("stop", OwnDirectory);

    public Task StartAgainAsync() => RunScriptAsync("start", OwnDirectory);

    public Task CleanAsync() => RunScriptAsync("clean", OwnDirectory);

    /// <summary>
    /// Stops every server process (SIGSTOP) until <see cref="ThawAsync"/>; stop and clean thaw it too, and so does
    /// the end of the test run, so a failing test never leaves a stopped server behind.
    /// </summary>
    public async Task FreezeAsync()
    {
        var directory = OwnDirectory;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RunScriptAsync("thaw", directory).GetAwaiter().GetResult();
        await RunScriptAsync("freeze", directory);
    }

    public Task ThawAsync() => RunScriptAsync("thaw", OwnDirectory);

    /// <summary>Runs <paramref name="sql"/> as the superuser on <paramref name="database"/> (the server's own when null).</summary>
    public async Task ExecuteAsync(string sql, string? database)
    {
        await using var connection = new NpgsqlConnection(Settings(database ?? _admin.Database!).ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The BookStore's environment for <paramref name="database"/> as role <paramref name="role"/> rather than the superuser.</summary>
    public IReadOnlyDictionary<string, string> BookStoreEnvironment(string database, string role, string password, string extraSettings = "") =>
        new Dictionary<string, string>(BookStoreEnvironment(database))
        {
            ["ConnectionStrings__BookStore"] =
                $"Host={_admin.Host};Port={_admin.Port};Database={database};Username={role};SSL Mode=Require{extraSettings}",
            ["BookStore__DatabasePassword"] = password,
        };

    /// <summary>Serves the PEM <paramref name="certificate"/> and <paramref name="key"/> from now on (the server restarts).</summary>
    public Task UseCertificateAsync(string certificate, string key) => RunScriptAsync("certificate", OwnDirectory, certificate, key);

    private string OwnDirectory => _directory ?? throw new InvalidOperationException("The shared server is not this test's to stop.");

    private static Task<string> RunScriptAsync(string action, string directory, params string[] arguments) =>
        ToolProcess.RunAsync($"postgres.sh {action}", "bash", [Path.Combine(Paths.ServicesRoot, "scripts", "postgres.sh"), action, directory, .. arguments]);
}
