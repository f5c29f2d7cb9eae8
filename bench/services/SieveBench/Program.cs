using System.Diagnostics;
using System.Globalization;
using Prime.Api;

// Usage: SieveBench [runs]. For n = 10^6, 10^7, 10^8: the median wall time of `runs` (default 7) calls of
// each sieve, after one untimed call each (tiered JIT settles on the hot loops), and the same count from both.
var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
Console.WriteLine("| n | primes | this service's sieve, ms (median of " + runs + ") | the seed's sieve, ms | seed / service |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var n in new[] { 1_000_000, 10_000_000, 100_000_000 })
{
    var ours = Time(() => PrimeSieve.CountPrimes(n) ?? -1, runs, out var count);
    var seed = Time(() => SeedSieve.CountPrimes(n), runs, out var seedCount);
    if (count != seedCount)
    {
        Console.Error.WriteLine($"sieves disagree at n={n}: {count} vs {seedCount}");
        return 1;
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {n:N0} | {count:N0} | {ours:F1} | {seed:F1} | {seed / ours:F1}x |"));
}
return 0;

static double Time(Func<int> count, int runs, out int result)
{
    result = count();
    for (var i = 0; i < 3; i++)
    {
        count();
    }
    var times = new double[runs];
    for (var i = 0; i < runs; i++)
    {
        var sw = Stopwatch.StartNew();
        result = count();
        times[i] = sw.Elapsed.TotalMilliseconds;
    }
    Array.Sort(times);
    return times[runs / 2];
}
