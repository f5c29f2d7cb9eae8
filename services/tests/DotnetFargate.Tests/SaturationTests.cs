using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace DotnetFargate.Tests;

/// <summary>
/// The CPU-bound endpoints under more load than they can take: admission control answers the excess at once
/// with 503 problem details and Retry-After, the health check keeps answering, and work a client abandons
/// stops. (How fast each of these is, on one core, is measured by `npm run bench:services`, not here.)
/// </summary>
public sealed class SaturationTests
{
    private const string LongPrime = "/prime?n=100000000";

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
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/prime?n=1000")).StatusCode);

        // Thirty sieves to 10^8, one at a time: seconds of work on one core (about 40-100 ms each). Their
        // clients leave after 150 ms, when one is running and the rest wait in admission's queue. The waiting
        // ones must leave the queue without running: the window below would otherwise see the rest of that
        // work. (One sieve is too short to abort measurably over HTTP; SieveTests shows it stops within a
        // segment of its token being cancelled, and Computations_the_client_abandons_stop does it over HTTP.)
        using var abandon = new CancellationTokenSource();
        var requests = Enumerable.Range(0, 30).Select(_ => client.GetAsync(LongPrime, abandon.Token)).ToList();
        await Task.Delay(150);
        await abandon.CancelAsync();
        await Task.WhenAll(requests.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
        Assert.True(requests.Count(r => r.IsCanceled) >= 20, $"only {requests.Count(r => r.IsCanceled)} of 30 were still waiting when abandoned");

        await Task.Delay(100);
        var before = CpuSeconds(service.Pid);
        await Task.Delay(500);
        var burned = CpuSeconds(service.Pid) - before;
        Assert.True(burned < 0.1, $"the service used {burned:F2} CPU-s in the 500 ms after its clients left");
        Assert.Equal("5761455", await client.GetStringAsync(LongPrime));
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
