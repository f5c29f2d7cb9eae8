namespace Prime.Api;

/// <summary>
/// Counts the primes up to n with a segmented Sieve of Eratosthenes over odd numbers only: one byte per odd
/// number in a cache-sized segment, each base prime's next multiple carried from segment to segment (no
/// re-testing of divisors, unlike the seed's <see cref="SeedSieve"/>), and the survivors of a segment counted
/// with a vectorized search. Memory stays bounded at any n: one segment plus the base primes up to sqrt(n).
/// </summary>
public static class PrimeSieve
{
    /// <summary>Odd numbers per segment: 32 KiB, a typical L1 data cache.</summary>
    public const int SegmentLength = 32 * 1024;

    /// <summary>
    /// The number of primes in [2, n], for 0 &lt;= n &lt;= int.MaxValue - 1; null if <paramref name="cancellationToken"/>
    /// fires first (checked once per segment, i.e. every 64 Ki numbers).
    /// </summary>
    public static int? CountPrimes(int n, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, int.MaxValue - 1);
        if (n < 3)
        {
            return n == 2 ? 1 : 0;
        }

        var basePrimes = OddPrimesUpTo(IntegerSqrt(n));
        // Index k stands for the odd number 2k + 1; k = 0 (the number 1) is not prime, so sieving starts at k = 1.
        var next = new int[basePrimes.Length];
        for (var i = 0; i < basePrimes.Length; i++)
        {
            next[i] = (basePrimes[i] * basePrimes[i] - 1) / 2;
        }

        var lastIndex = (n - 1) / 2;
        var composite = new byte[SegmentLength];
        var count = 1; // the prime 2
        for (var low = 1; low <= lastIndex; low += SegmentLength)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return null;
            }
            var high = Math.Min(low + SegmentLength - 1, lastIndex);
            var segment = composite.AsSpan(0, high - low + 1);
            segment.Clear();
            for (var i = 0; i < basePrimes.Length; i++)
            {
                var p = basePrimes[i];
                if ((p * p - 1) / 2 > high)
                {
                    break; // p starts beyond this segment, and so does every larger prime
                }
                var k = next[i];
                for (; k <= high; k += p)
                {
                    segment[k - low] = 1;
                }
                next[i] = k;
            }
            count += segment.Length - segment.Count((byte)1);
        }
        return count;
    }

    private static int IntegerSqrt(int n)
    {
        var r = (int)Math.Sqrt(n);
        while ((long)(r + 1) * (r + 1) <= n)
        {
            r++;
        }
        while ((long)r * r > n)
        {
            r--;
        }
        return r;
    }

    /// <summary>The odd primes up to <paramref name="limit"/>, ascending (a plain sieve: limit is at most ~46,341).</summary>
    private static int[] OddPrimesUpTo(int limit)
    {
        var crossed = new bool[limit + 1];
        var primes = new List<int>();
        for (var i = 3; i <= limit; i += 2)
        {
            if (crossed[i])
            {
                continue;
            }
            primes.Add(i);
            for (var j = (long)i * i; j <= limit; j += 2L * i)
            {
                crossed[j] = true;
            }
        }
        return [.. primes];
    }
}
