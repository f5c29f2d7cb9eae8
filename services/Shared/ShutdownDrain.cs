using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DotnetFargate.Platform;

/// <summary>
/// The first phase of a stop: on SIGTERM the service keeps listening and answering for
/// <c>ShutdownDrainSeconds</c> before Kestrel stops, so that whoever still sends (a load balancer node that has
/// not yet seen the target deregistered, a client on a kept-alive connection) gets an answer, not a reset.
/// Every answer in that window says <c>Connection: close</c>, which ends its connection cleanly after the response
/// (Kestrel disables keep-alive on that header: dotnet/aspnetcore, src/Servers/Kestrel/Core/src/Internal/Http/
/// HttpProtocol.cs, CreateResponseHeaders), and /ready says 503.
/// <para>
/// <see cref="IHostedLifecycleService.StoppingAsync"/> runs before ApplicationStopping and before any hosted
/// service's StopAsync, the web server's included, under the one <c>ShutdownTimeoutSeconds</c> token (Host.StopAsync,
/// dotnet/runtime, src/libraries/Microsoft.Extensions.Hosting/src/Internal/Host.cs): what is left of that timeout
/// after the drain is what in-flight requests get once Kestrel stops.
/// </para>
/// </summary>
public sealed partial class ShutdownDrain(TimeSpan delay, ILogger<ShutdownDrain> logger) : IHostedLifecycleService
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        if (delay <= TimeSpan.Zero)
        {
            return;
        }
        LogDraining(logger, delay.TotalSeconds);
        await Task.Delay(delay, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: answering with Connection: close for {DrainSeconds} s before the server stops listening")]
    private static partial void LogDraining(ILogger logger, double drainSeconds);
}

/// <summary>Adds <c>Connection: close</c> to every answer while the service drains.</summary>
internal sealed class ShutdownDrainMiddleware(RequestDelegate next, ShutdownDrain drain)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (drain.IsDraining)
        {
            // As the response starts, not now: the exception handler, which runs after this middleware, clears every
            // header set before it (ExceptionHandlerMiddlewareImpl.ClearHttpContext calls Response.Clear(); dotnet/
            // aspnetcore src/Middleware/Diagnostics/src/ExceptionHandler), and OnStarting callbacks outlive that.
            context.Response.OnStarting(static response =>
            {
                ((HttpResponse)response).Headers.Connection = "close";
                return Task.CompletedTask;
            }, context.Response);
        }
        return next(context);
    }
}

/// <summary>Not ready once the stop has begun.</summary>
internal sealed class ShutdownDrainCheck(ShutdownDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining
            ? HealthCheckResult.Unhealthy("The service is stopping.")
            : HealthCheckResult.Healthy());
}
