using DotnetFargate.Platform;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace BookStore.Api.Store.Postgres;

/// <summary>Whether the schema is in place: until it is, the store answers 503 and /ready says no.</summary>
public sealed class PostgresReadiness
{
    private volatile bool _initialized;
    private volatile string? _lastFailure;

    public bool IsInitialized => _initialized;

    /// <summary>Why the last attempt to reach the database failed; null before the first failure.</summary>
    public string? LastFailure => _lastFailure;

    public void MarkInitialized() => _initialized = true;

    public void MarkFailed(string reason) => _lastFailure = reason;

    public void ThrowIfNotInitialized()
    {
        if (!_initialized)
        {
            throw new DependencyUnavailableException("The BookStore's database is not initialized yet.");
        }
    }
}

/// <summary>
/// Creates the schema (and seeds it) in the background, retrying until the database answers, so the
/// process starts and passes its liveness check even while the database is down or refuses this task
/// (see <see cref="PostgresFailures.IsUnavailable"/>); readiness waits. Anything else is a fault that retrying
/// cannot fix: the process stops with exit code 1, never 0, which ECS would take for a clean exit.
/// </summary>
public sealed partial class PostgresInitializer(
    NpgsqlDataSource dataSource, PostgresProbeSource probes, PostgresReadiness readiness, PostgresStoreOptions options,
    IHostApplicationLifetime lifetime, ILogger<PostgresInitializer> logger) : BackgroundService
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        var seed = options.Seed ? SeedState.LoadEmbedded() : null; // read once, not on every retry
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                var created = await PostgresSchema.EnsureAsync(dataSource, seed, stoppingToken);
                // /ready's first probe finds a connection ready in its pool, rather than paying for TLS and
                // authentication within its one second.
                await (await probes.DataSource.OpenConnectionAsync(stoppingToken)).DisposeAsync();
                readiness.MarkInitialized();
                LogReady(logger, options.Endpoint, created ? "created" : "found", PostgresSchema.Version);
                return;
            }
            catch (Exception e) when (PostgresFailures.IsUnavailable(e, stoppingToken))
            {
                dataSource.Clear();
                readiness.MarkFailed(e.Message);
                LogRetry(logger, e, options.Endpoint, attempt, delay.TotalSeconds, e.Message);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogFatal(logger, e, options.Endpoint, e.Message);
                Environment.ExitCode = 1;
                lifetime.StopApplication();
                return;
            }
            await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "BookStore database at {Endpoint}: schema version {Version} {Outcome}; ready")]
    private static partial void LogReady(ILogger logger, string endpoint, string outcome, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "BookStore database at {Endpoint} is unavailable (attempt {Attempt}: {Reason}); retrying in {DelaySeconds} s")]
    private static partial void LogRetry(ILogger logger, Exception exception, string endpoint, int attempt, double delaySeconds, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "BookStore database at {Endpoint}: the schema cannot be created ({Reason}); stopping with exit code 1")]
    private static partial void LogFatal(ILogger logger, Exception exception, string endpoint, string reason);
}

/// <summary>The connections /ready's probe uses: a small pool of their own, so a probe never waits behind the
/// store's requests for a connection (which would make a busy task look unready).</summary>
public sealed class PostgresProbeSource(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}

/// <summary>
/// /ready's check: the schema is in place and the database answers <c>SELECT 1</c> within a second. Checks share
/// the probe in flight until that second is up, so a silent database costs at most one probe per second (and
/// those wait for the probe's own two connections), and /ready says 503 a second after the database stops
/// answering; the first probe after the database answers
/// again makes the task ready. ServiceDefaults answers 503 for Degraded as for Unhealthy on /ready.
/// </summary>
public sealed class PostgresReadyCheck(PostgresProbeSource probes, PostgresReadiness readiness, TimeProvider clock) : IHealthCheck
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private Task<Exception?>? _probe;
    private long _probeStarted;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!readiness.IsInitialized)
        {
            // Starting is not a failure (Degraded: 503 without an error in the log); not reaching the database is.
            return readiness.LastFailure is { } failure
                ? HealthCheckResult.Unhealthy($"The database is unavailable: {failure}")
                : HealthCheckResult.Degraded("The database schema is being initialized.");
        }
        Task<Exception?> probe;
        TimeSpan left;
        lock (_gate)
        {
            left = Budget - clock.GetElapsedTime(_probeStarted);
            if (_probe is null || _probe.IsCompleted || left <= TimeSpan.Zero)
            {
                _probeStarted = clock.GetTimestamp();
                _probe = ProbeAsync();
                left = Budget;
            }
            probe = _probe;
        }
        try
        {
            // A probe joined in flight gets what is left of its second: no check waits past a second of silence.
            return await probe.WaitAsync(left, clock, cancellationToken) is { } error
                ? HealthCheckResult.Unhealthy("The database does not answer.", error)
                : HealthCheckResult.Healthy();
        }
        catch (TimeoutException e)
        {
            return HealthCheckResult.Unhealthy($"The database did not answer within {Budget.TotalSeconds} s.", e);
        }
    }

    private async Task<Exception?> ProbeAsync()
    {
        try
        {
            await using var command = probes.DataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync();
            return null;
        }
        catch (Exception e) when (PostgresFailures.IsUnavailable(e, CancellationToken.None))
        {
            return e;
        }
    }
}
