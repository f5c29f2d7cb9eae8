using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DotnetFargate.Platform;

/// <summary>
/// Admission control for CPU-bound (or thread-holding) endpoints, with ASP.NET Core's own concurrency
/// limiter: at most <see cref="AdmissionOptions.MaxConcurrent"/> such requests run at once, at most
/// <see cref="AdmissionOptions.QueueLimit"/> wait (asynchronously, holding no thread) for a turn, and every
/// other one is answered at once with 503 problem details and Retry-After. So a saturated service sheds load
/// in milliseconds instead of queueing it until the load balancer's health check times out.
/// Endpoints opt in with <see cref="RequireAdmission{TBuilder}"/>; health, readiness and metrics never wait.
/// </summary>
public static class Admission
{
    public const string PolicyName = "cpu-bound";
    public const string Section = "Admission";

    /// <summary>Registers the limiter from the "Admission" configuration section (validated at start).</summary>
    public static IServiceCollection AddAdmission(this IServiceCollection services, IConfiguration configuration)
    {
        var options = AdmissionOptions.From(configuration.GetSection(Section));
        services.AddSingleton(options);
        services.AddRateLimiter(o =>
        {
            o.AddConcurrencyLimiter(PolicyName, c =>
            {
                c.PermitLimit = options.MaxConcurrent;
                c.QueueLimit = options.QueueLimit;
                c.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
            o.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            o.OnRejected = (context, _) => RejectAsync(context.HttpContext, options);
        });

        // Admitted work runs synchronously on pool threads. Keep enough threads in the pool that admitted work
        // can never leave request handling (health checks above all) waiting for the pool to grow, which it
        // does slowly once every thread is busy.
        ThreadPool.GetMinThreads(out var workers, out var io);
        var wanted = 2 * Environment.ProcessorCount + options.MaxConcurrent;
        if (workers < wanted)
        {
            ThreadPool.SetMinThreads(wanted, io);
        }
        return services;
    }

    /// <summary>Puts the endpoint(s) under admission control.</summary>
    public static TBuilder RequireAdmission<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(PolicyName);

    private static async ValueTask RejectAsync(HttpContext context, AdmissionOptions options)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The service is at capacity.",
                Detail = $"{options.MaxConcurrent} request(s) of this kind are running and {options.QueueLimit} waiting; retry after {options.RetryAfterSeconds} s.",
            },
        });
    }
}

/// <summary>The "Admission" configuration section.</summary>
public sealed record AdmissionOptions(int MaxConcurrent, int QueueLimit, int RetryAfterSeconds)
{
    /// <summary>
    /// Defaults: as many concurrent computations as the process has CPUs (Environment.ProcessorCount follows the
    /// container's CPU limit), as many waiting, and Retry-After 1 s.
    /// </summary>
    public static AdmissionOptions From(IConfiguration section)
    {
        var max = section.GetInt("MaxConcurrent", Environment.ProcessorCount, 1, 1024);
        var queue = section.GetInt("QueueLimit", max, 0, 10_000);
        var retry = section.GetInt("RetryAfterSeconds", 1, 1, 3600);
        return new AdmissionOptions(max, queue, retry);
    }
}
