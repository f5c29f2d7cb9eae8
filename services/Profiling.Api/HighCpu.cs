using DotnetFargate.Platform;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Profiling.Api;

public static class HighCpuEndpoints
{
    public const int DefaultNth = 100_000;
    public const int MaxNth = 200_000;

    public static IEndpointRouteBuilder MapHighCpuEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/high-cpu").WithTags("Profiling").MapGet("/", Compute).RequireAdmission();
        return routes;
    }

    internal static Results<Ok<HighCpuResult>, ValidationProblem, ProblemHttpResult> Compute(
        [FromQuery(Name = "nth")] string? nth, IOptions<ProfilingOptions> options, CancellationToken requestAborted)
    {
        var target = DefaultNth;
        if (nth is not null
            && (!int.TryParse(nth, NumberStyles.None, CultureInfo.InvariantCulture, out target)
                || target is < 1 or > MaxNth))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["nth"] = [$"nth must be a whole number from 1 to {MaxNth}."],
            });
        }

        var limit = options.Value.HighCpuTimeLimitMs;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        timeout.CancelAfter(limit);
        var sw = Stopwatch.StartNew();
        var prime = NthPrime(target, timeout.Token);
        if (prime is null)
        {
            return TypedResults.Problem(
                title: "The computation was stopped.",
                detail: $"Finding prime number {target} did not finish within {limit} ms.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return TypedResults.Ok(new HighCpuResult(target, prime.Value, sw.ElapsedMilliseconds));
    }

    /// <summary>The nth prime by naive trial division (CPU-bound on purpose); null if cancelled.</summary>
    public static int? NthPrime(int nth, CancellationToken cancellationToken)
    {
        var found = 0;
        for (var candidate = 2; ; candidate++)
        {
            if ((candidate & 0x3FF) == 0 && cancellationToken.IsCancellationRequested)
            {
                return null;
            }

            var isPrime = true;
            for (var d = 2; d * d <= candidate; d++)
            {
                if (candidate % d == 0)
                {
                    isPrime = false;
                    break;
                }
            }

            if (isPrime && ++found == nth)
            {
                return candidate;
            }
        }
    }
}
