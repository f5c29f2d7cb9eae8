using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace DotnetFargate.Tests;

/// <summary>
/// The CPU-bound endpoints under more load than they can take: admission control answers the excess at once
/// with 503 problem details and Retry-After, the health check keeps answering, and work a client abandons
/// stops. (How fast each of these is, on one core, is measured by `npm run bench:services`, not here.)
/// These tests measure time and CPU, so they run in a collection of their own, alone, after the others.
/// </summary>
[Collection(nameof(SaturationTests))]
public sealed class SaturationTests
{
    private const string LongPrime = "/prime?n=100000000";
    /// <summary>The rate-limiting policy the services' admission control registers (Admission.PolicyName in Shared).</summary>
    // The series read below are ASP.NET Core's own rate-limiting metrics (meter Microsoft.AspNetCore.RateLimiting:
    // dotnet/aspnetcore src/Middleware/RateLimiting/src/RateLimitingMetrics.cs; OpenTelemetry's semantic conventions
    // for ASP.NET Core metrics) as the Prometheus exporter names them; these tests read them from the running service.
    private const string AdmissionPolicy = "cpu-bound";

    [Fact]
    public async Task A_saturated_prime_sheds_the_excess_with_503_and_keeps_answering_healthz()
    {
        await using var service = await ServiceProcess.StartAsync("Prime.Api", new Dictionary<string, string>
        {
            ["Admission__MaxConcurrent"] = "1",
            ["Admission__QueueLimit"] = "1",
        });
        using var client = service.CreateClient();
        using var stop = new CancellationTokenSource();
        var health = HealthLoopAsync(client, stop.Token);

        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => client.GetAsync(LongPrime)));
        await stop.CancelAsync();
        var healthStatuses = await health;

        var ok = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        var shed = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.Equal(responses.Length, ok.Count + shed.Count);
        Assert.NotEmpty(ok);
        Assert.NotEmpty(shed);
        foreach (var response in ok)
        {
            Assert.Equal("5761455", await response.Content.ReadAsStringAsync());
        }
        foreach (var response in shed)
        {
            Assert.Equal("1", response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(CultureInfo.InvariantCulture));
            await HttpAssert.ProblemAsync(response, 503);
        }
        Assert.NotEmpty(healthStatuses);
        Assert.All(healthStatuses, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task Blocking_threads_beyond_the_limit_are_turned_away_at_once_not_after_the_lock()
    {
        await using var service = await ServiceProcess.StartAsync("Profiling.Api", new Dictionary<string, string>
        {
            ["Admission__MaxConcurrent"] = "1",
            ["Admission__QueueLimit"] = "0",
        });
        using var client = service.CreateClient();
        // Warm the route first, so the holder is surely holding (not still starting up) when the second one comes.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/blocking-threads?holdMs=0")).StatusCode);
        var holder = client.GetAsync("/blocking-threads?holdMs=3000");
        await Task.Delay(500);
        var sw = Stopwatch.StartNew();
        var refused = await client.GetAsync("/blocking-threads?holdMs=10");
        var waited = sw.Elapsed;
        await HttpAssert.ProblemAsync(refused, 503);
        Assert.False(holder.IsCompleted, "the refusal did not wait for the 3 s hold to end");
        Assert.True(waited < TimeSpan.FromSeconds(2), $"refused after {waited}");
        Assert.Equal(HttpStatusCode.OK, (await holder).StatusCode);
    }

    [Fact]
    public async Task Computations_the_client_abandons_stop()
    {
        await using var service = await ServiceProcess.StartAsync("Profiling.Api", new Dictionary<string, string>
        {
            ["Admission__MaxConcurrent"] = "2",
        });
        using var client = service.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/high-cpu?nth=10")).StatusCode);

        // Two searches for the 200,000th prime by trial division keep both cores busy for seconds; their
        // clients give up after 300 ms. Were they not stopped, the window below would see about a CPU-second.
        using var abandon = new CancellationTokenSource();
        var requests = Enumerable.Range(0, 2).Select(_ => client.GetAsync("/high-cpu?nth=200000", abandon.Token)).ToList();
        await Task.Delay(300);
        await abandon.CancelAsync();
        await Task.WhenAll(requests.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));

        await Task.Delay(150);
        var before = CpuSeconds(service.Pid);
        await Task.Delay(500);
        var burned = CpuSeconds(service.Pid) - before;
        Assert.True(burned < 0.2, $"the service used {burned:F2} CPU-s in the 500 ms after its clients left");
    }

    [Fact]
    public async Task Prime_requests_the_clients_abandon_while_queued_never_run()
    {
        await using var service = await ServiceProcess.StartAsync("Prime.Api", new Dictionary<string, string>
        {
            ["Admission__MaxConcurrent"] = "1",
            ["Admission__QueueLimit"] = "64",
        });
        using var client = service.CreateClient();

        // What one sieve to 10^8 costs in this process: the mean of six, from the rate limiter's lease-duration
        // histogram (the time admitted requests held their permit). The first, still unoptimized ones make it
        // an overestimate, which only makes the budget below more generous.
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("5761455", await client.GetStringAsync(LongPrime));
        }
        var warm = await AdmissionSettledAsync(client);
        Assert.Equal(6, warm.Admitted);
        var perSieve = warm.LeaseSeconds / 6;

        // Sixty more, one at a time: seconds of work. Their clients leave once the server says at least forty
        // wait in admission's queue (its own gauge, so neither a slow start of sixty connections nor a stalled
        // test host decides what is tested). The waiting ones must not run: most leave the queue without a
        // permit; a few may get one in the instant before the server sees their client gone, and then stop
        // within a segment (SieveTests). So, after the abort, permits are held about as long as the answered
        // sieves and the one running need, not the forty-odd abandoned ones' worth.
        const int sent = 60;
        using var abandon = new CancellationTokenSource();
        var requests = Enumerable.Range(0, sent).Select(_ => client.GetAsync(LongPrime, abandon.Token)).ToList();
        var waiting = await WaitForQueueAsync(client, atLeast: 40);
        await abandon.CancelAsync();
        await Task.WhenAll(requests.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
        var answered = requests.Count(r => r.IsCompletedSuccessfully);
        Assert.Equal(sent, answered + requests.Count(r => r.IsCanceled));

        var after = await AdmissionSettledAsync(client);
        var cancelledInQueue = after.CancelledInQueue - warm.CancelledInQueue;
        var held = after.LeaseSeconds - warm.LeaseSeconds;
        var budget = (answered + 1) * perSieve * 1.5 + 0.25;
        Assert.True(cancelledInQueue >= 20, $"{waiting} were waiting when their clients left, but only {cancelledInQueue} left the queue cancelled");
        Assert.True(held <= budget,
            $"permits were held {held:F2} s for {answered} answered sieves of {perSieve * 1000:F0} ms (budget {budget:F2} s): abandoned requests ran");
        Assert.Equal("5761455", await client.GetStringAsync(LongPrime));
    }

    /// <summary>
    /// Polls /metrics until admission's queue (aspnetcore.rate_limiting.queued_requests) holds at least
    /// <paramref name="atLeast"/> requests; returns the count seen. The Prometheus exporter caches a scrape for
    /// 300 ms (ScrapeResponseCacheDurationMilliseconds, open-telemetry/opentelemetry-dotnet
    /// src/OpenTelemetry.Exporter.Prometheus.AspNetCore/PrometheusAspNetCoreOptions.cs), so the queue may be a
    /// few shorter by the time the caller acts.
    /// </summary>
    private static async Task<int> WaitForQueueAsync(HttpClient client, int atLeast)
    {
        var deadline = Stopwatch.StartNew();
        var queued = 0;
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            queued = (int)MetricValue(await client.GetStringAsync("/metrics"), "aspnetcore_rate_limiting_queued_requests", "");
            if (queued >= atLeast)
            {
                return queued;
            }
            await Task.Delay(20);
        }
        throw new Xunit.Sdk.XunitException($"admission's queue never held {atLeast} requests in 10 s (last seen: {queued})");
    }

    private sealed record AdmissionCounters(int Admitted, int CancelledInQueue, double LeaseSeconds);

    /// <summary>
    /// The rate limiter's counters (aspnetcore.rate_limiting.requests by result, request_lease.duration) once
    /// nothing waits or runs and two scrapes, past the exporter's 300 ms cache, agree.
    /// </summary>
    private static async Task<AdmissionCounters> AdmissionSettledAsync(HttpClient client)
    {
        const string requests = "aspnetcore_rate_limiting_requests_total";
        const string lease = "aspnetcore_rate_limiting_request_lease_duration_seconds";
        var deadline = Stopwatch.StartNew();
        AdmissionCounters? previous = null;
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            var metrics = await client.GetStringAsync("/metrics");
            var busy = MetricValue(metrics, "aspnetcore_rate_limiting_queued_requests", "")
                + MetricValue(metrics, "aspnetcore_rate_limiting_active_request_leases", "");
            var current = new AdmissionCounters(
                (int)MetricValue(metrics, requests, "aspnetcore_rate_limiting_result=\"acquired\""),
                (int)MetricValue(metrics, requests, "aspnetcore_rate_limiting_result=\"request_canceled\""),
                MetricValue(metrics, lease + "_sum", ""));
            if (busy == 0 && current == previous)
            {
                return current;
            }
            previous = busy == 0 ? current : null;
            await Task.Delay(400);
        }
        throw new Xunit.Sdk.XunitException("admission's counters did not settle in 10 s");
    }

    /// <summary>The value of the series <paramref name="name"/> of the admission policy whose labels contain <paramref name="label"/>; 0 when absent.</summary>
    private static double MetricValue(string metrics, string name, string label)
    {
        var pattern = $"^{Regex.Escape(name)}\\{{(?=[^}}]*aspnetcore_rate_limiting_policy=\"{AdmissionPolicy}\")(?=[^}}]*{Regex.Escape(label)})[^}}]*\\}} (\\S+)";
        var match = Regex.Match(metrics, pattern, RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>GET /healthz every 20 ms with a 5 s timeout until cancelled; a timeout counts as 504.</summary>
    private static async Task<List<HttpStatusCode>> HealthLoopAsync(HttpClient client, CancellationToken stop)
    {
        var statuses = new List<HttpStatusCode>();
        while (!stop.IsCancellationRequested)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                using var response = await client.GetAsync("/healthz", timeout.Token);
                statuses.Add(response.StatusCode);
            }
            catch (TaskCanceledException)
            {
                statuses.Add(HttpStatusCode.GatewayTimeout);
            }
            try
            {
                await Task.Delay(20, stop);
            }
            catch (TaskCanceledException)
            {
                break;
            }
        }
        return statuses;
    }

    /// <summary>User plus system CPU time of a process, from /proc/&lt;pid&gt;/stat (clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the command: state is field 3, utime field 14, stime field 15 (1-based), i.e. indexes 11 and 12 here.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
}

[CollectionDefinition(nameof(SaturationTests), DisableParallelization = true)]
public sealed class SaturationCollection;
