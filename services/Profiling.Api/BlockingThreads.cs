using DotnetFargate.Platform;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Profiling.Api;

/// <summary>One process-wide lock that every /blocking-threads request contends for.</summary>
public sealed class ContendedLock
{
    private readonly Lock _gate = new();

    /// <summary>
    /// Blocks the calling (thread-pool) thread until the lock is free, for at most
    /// <paramref name="waitTimeout"/>, then holds it for <paramref name="holdMs"/> with a sleep.
    /// Concurrent callers queue on the lock and starve the pool: the scenario to diagnose.
    /// </summary>
    public bool TryHold(TimeSpan waitTimeout, int holdMs, out long waitedMs)
    {
        var sw = Stopwatch.StartNew();
        if (!_gate.TryEnter(waitTimeout))
        {
            waitedMs = sw.ElapsedMilliseconds;
            return false;
        }

        waitedMs = sw.ElapsedMilliseconds;
        try
        {
            Thread.Sleep(holdMs);
        }
        finally
        {
            _gate.Exit();
        }
        return true;
    }
}

public static class BlockingThreadsEndpoints
{
    public const int DefaultHoldMs = 1_000;

    public static IEndpointRouteBuilder MapBlockingThreadsEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/blocking-threads").WithTags("Profiling").MapGet("/", Block).RequireAdmission();
        return routes;
    }

    // Deliberately synchronous: the point is to tie up thread-pool threads.
    internal static Results<Ok<BlockingResult>, ValidationProblem, ProblemHttpResult> Block(
        [FromQuery(Name = "holdMs")] string? holdMs, ContendedLock gate, IOptions<ProfilingOptions> options)
    {
        var limits = options.Value;
        var hold = DefaultHoldMs;
        if (holdMs is not null
            && (!int.TryParse(holdMs, NumberStyles.None, CultureInfo.InvariantCulture, out hold)
                || hold > limits.MaxHoldMs))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["holdMs"] = [$"holdMs must be a whole number from 0 to {limits.MaxHoldMs}."],
            });
        }
        hold = Math.Min(hold, limits.MaxHoldMs);

        if (!gate.TryHold(TimeSpan.FromMilliseconds(limits.LockWaitTimeoutMs), hold, out var waited))
        {
            return TypedResults.Problem(
                title: "The lock is contended.",
                detail: $"Gave up waiting for the shared lock after {waited} ms (limit {limits.LockWaitTimeoutMs} ms).",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return TypedResults.Ok(new BlockingResult(waited, hold));
    }
}
