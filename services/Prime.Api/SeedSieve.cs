namespace Prime.Api;

/// <summary>
/// The seed's prime counter, kept step for step as the reference the service's own <see cref="PrimeSieve"/>
/// is tested and benchmarked against: a segmented Sieve of Eratosthenes over segments of 10,000 numbers,
/// which for every segment re-tests each candidate divisor p &lt;= sqrt(high) by trial division before
/// crossing off its multiples. The service no longer serves it.
/// </summary>
public static class SeedSieve
{
    public const int SegmentSize = 10_000;

    /// <summary>Counts the primes in [2, n]. Valid for 2 &lt;= n &lt;= 100,000,000 (no int overflow).</summary>
    public static int CountPrimes(int n)
    {
        var isPrime = new bool[SegmentSize];
        var count = 0;
        for (var low = 2; low <= n; low += SegmentSize)
        {
            var high = Math.Min(low + SegmentSize - 1, n);
            for (var i = 0; i < SegmentSize; i++)
            {
                isPrime[i] = true;
            }

            var sqrtHigh = (int)Math.Sqrt(high);
            for (var p = 2; p <= sqrtHigh; p++)
            {
                if (IsPrime(p))
                {
                    var start = Math.Max(p * p, (low + p - 1) / p * p);
                    for (var j = start; j <= high; j += p)
                    {
                        isPrime[j - low] = false;
                    }
                }
            }

            for (var i = Math.Max(2, low); i <= high; i++)
            {
                if (isPrime[i - low])
                {
                    count++;
                }
            }
        }

        return count;
    }

    /// <summary>Trial division, as in the seed.</summary>
    public static bool IsPrime(int num)
    {
        if (num < 2)
        {
            return false;
        }

        for (var i = 2; i * i <= num; i++)
        {
            if (num % i == 0)
            {
                return false;
            }
        }

        return true;
    }
}
