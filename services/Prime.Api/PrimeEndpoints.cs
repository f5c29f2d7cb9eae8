using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using DotnetFargate.Platform;
using Microsoft.AspNetCore.Mvc;

namespace Prime.Api;

public static class PrimeEndpoints
{
    public const int DefaultBound = 10_000_000;
    public const int MinBound = 2;
    public const int MaxBound = 100_000_000;

    public static IEndpointRouteBuilder MapPrimeEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/prime").WithTags("Prime");
        // A bare JSON number, as the seed answered (664579 is 6 bytes).
        group.MapGet("/", CountPrimes).RequireAdmission();
        return routes;
    }

    internal static Results<Ok<int>, ValidationProblem, EmptyHttpResult> CountPrimes(
        [FromQuery(Name = "n")] string? n, CancellationToken requestAborted)
    {
        var bound = DefaultBound;
        if (n is not null
            && (!int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out bound)
                || bound is < MinBound or > MaxBound))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["n"] = [$"n must be a whole number from {MinBound} to {MaxBound:D}."],
            });
        }

        // A client that gives up stops the computation within one segment (well under a millisecond).
        var count = PrimeSieve.CountPrimes(bound, requestAborted);
        return count is { } primes ? TypedResults.Ok(primes) : TypedResults.Empty;
    }
}
