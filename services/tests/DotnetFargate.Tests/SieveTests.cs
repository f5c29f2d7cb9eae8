namespace DotnetFargate.Tests;

/// <summary>
/// The service's sieve (Prime.Api/PrimeSieve.cs, compiled into this project) against the seed's own algorithm
/// (Prime.Api/SeedSieve.cs) and known prime counts: same answers at every size, and it stops when cancelled.
/// </summary>
public sealed class SieveTests
{
    private static readonly int[] Edges = [65_535, 65_536, 65_537, 131_071, 131_073, 196_607, 10_000, 10_001, 20_000, 20_001, 49, 121, 169, 961, 1_018_081, 999_983];

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(9, 4)]
    [InlineData(25, 9)]
    [InlineData(65_537, 6_543)]
    [InlineData(1_000_000, 78_498)]
    [InlineData(10_000_000, 664_579)]
    [InlineData(100_000_000, 5_761_455)]
    public void Counts_the_known_number_of_primes(int n, int count)
    {
        Assert.Equal(count, Prime.Api.PrimeSieve.CountPrimes(n));
    }

    [Fact]
    public void Agrees_with_the_seeds_sieve_around_every_segment_edge()
    {
        // Edges of this sieve's segments (64 Ki numbers) and the seed's (10,000), squares of primes, small n.
        var sizes = Enumerable.Range(2, 300)
            .Concat(Edges)
            .Concat(Enumerable.Range(0, 40).Select(i => 1 + (i * 48_271) % 2_000_000));
        foreach (var n in sizes.Where(n => n >= 2))
        {
            Assert.True(Prime.Api.SeedSieve.CountPrimes(n) == Prime.Api.PrimeSieve.CountPrimes(n), $"n = {n}");
        }
    }

    [Fact]
    public void Stops_when_cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Null(Prime.Api.PrimeSieve.CountPrimes(100_000_000, cancelled.Token));
    }
}
