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
/// process starts and passes its liveness check even while the database is down; readiness waits.
/// </summary>
public sealed partial class PostgresInitializer(
    NpgsqlDataSource dataSource, PostgresReadiness readiness, PostgresStoreOptions options,
    ILogger<PostgresInitializer> logger) : BackgroundService
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
            await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "BookStore database at {Endpoint}: schema version {Version} {Outcome}; ready")]
    private static partial void LogReady(ILogger logger, string endpoint, string outcome, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "BookStore database at {Endpoint} is unavailable (attempt {Attempt}: {Reason}); retrying in {DelaySeconds} s")]
    private static partial void LogRetry(ILogger logger, Exception exception, string endpoint, int attempt, double delaySeconds, string reason);
}

/// <summary>/ready's check: the schema is in place and the database answers a query within two seconds.
/// ServiceDefaults answers 503 for Degraded as for Unhealthy on /ready.</summary>
public sealed class PostgresReadyCheck(NpgsqlDataSource dataSource, PostgresReadiness readiness) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!readiness.IsInitialized)
        {
            // Starting is not a failure (Degraded: 503 without an error in the log); not reaching the database is.
            return readiness.LastFailure is { } failure
                ? HealthCheckResult.Unhealthy($"The database is unavailable: {failure}")
                : HealthCheckResult.Degraded("The database schema is being initialized.");
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is OperationCanceledException || PostgresFailures.IsUnavailable(e, cancellationToken))
        {
            return HealthCheckResult.Unhealthy("The database does not answer.", e);
        }
    }
}
