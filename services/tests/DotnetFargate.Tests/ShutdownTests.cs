using System.Diagnostics;
using System.Net;

namespace DotnetFargate.Tests;

/// <summary>SIGTERM (what ECS sends on stop) lets in-flight requests finish, within the shutdown timeout.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Sigterm_under_load_completes_every_in_flight_request_then_exits_0()
    {
        // Admission control off for this test (16 at once), so every request is in flight when SIGTERM comes.
        await using var service = await ServiceProcess.StartAsync("Prime.Api", new Dictionary<string, string>
        {
            ["Admission__MaxConcurrent"] = "16",
        });
        using var client = service.CreateClient();

        // Keep every core busy: 16 sieves to 10^8 at once, each slowed by sharing the cores with the others. A sieve
        // to 10^8 alone takes ~70 ms here (bench:services), so the first requests to arrive may finish before the signal:
        // on 2 cores, at most ~3 can by 100 ms; at least half must still be in flight, or the test proves nothing.
        var inFlight = Enumerable.Range(0, 16).Select(_ => client.GetAsync("/prime?n=100000000")).ToList();
        await Task.Delay(100);
        var atSignal = inFlight.Count(t => !t.IsCompleted);
        Assert.True(atSignal >= 8, $"only {atSignal} of 16 requests were still in flight when SIGTERM was to be sent");
        await service.SendSigtermAsync();

        var responses = await Task.WhenAll(inFlight);
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("5761455", await response.Content.ReadAsStringAsync());
        }

        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the service did not exit after SIGTERM");
        Assert.Equal(0, service.ExitCode);
        Assert.Contains(service.StdoutLines, l => l.Contains("Application is shutting down", StringComparison.Ordinal));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync("/healthz"));
    }

    [Fact]
    public async Task Sigterm_under_keep_alive_load_answers_every_request_and_closes_every_connection_cleanly()
    {
        await using var service = await ServiceProcess.StartAsync("BookStore.Api", new Dictionary<string, string>
        {
            // Everything below up to the idle connections' close happens within the drain: 2 s left a slow machine
            // ~1 s for the kill, eight loops' last answers, and three more connections' requests.
            ["ShutdownDrainSeconds"] = "5",
        });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var busy = new List<KeepAliveConnection>();
        var idle = new List<KeepAliveConnection>();
        try
        {
            for (var i = 0; i < 8; i++)
            {
                busy.Add(await KeepAliveConnection.OpenAsync(service.BaseAddress));
            }
            for (var i = 0; i < 4; i++)
            {
                var connection = await KeepAliveConnection.OpenAsync(service.BaseAddress);
                Assert.Equal(200, (await connection.GetAsync("/api/books", stop.Token))!.Status);
                idle.Add(connection);
            }
            var signalled = new TaskCompletionSource();
            // Each busy connection sends requests back to back until an answer says Connection: close; what it
            // must never see is a reset or a request the server dropped without answering.
            var loops = busy.Select(async connection =>
            {
                var (answered, afterSignal) = (0, 0);
                while (true)
                {
                    var response = await connection.GetAsync("/api/books", stop.Token);
                    Assert.True(response is not null, $"the server closed a kept-alive connection without answering (after {answered} answers)");
                    Assert.Equal(200, response.Status);
                    answered++;
                    // An answer with Connection: close comes from the drain, so after SIGTERM even when it arrives
                    // before the test has marked the signal sent (a fast process drains within the kill's round trip).
                    afterSignal += signalled.Task.IsCompleted || response.Close ? 1 : 0;
                    if (response.Close)
                    {
                        Assert.True(await connection.ClosedByServerAsync(TimeSpan.FromSeconds(5)), "no clean close after Connection: close");
                        return (answered, afterSignal);
                    }
                }
            }).ToList();
            await Task.Delay(500);
            await service.SendSigtermAsync();
            signalled.SetResult();

            var ended = await Task.WhenAll(loops);
            Assert.All(ended, e => Assert.True(e.afterSignal >= 1, "a busy connection was not answered after SIGTERM"));
            // During the drain a kept-alive connection idle until now is still answered, and told to close.
            var late = await idle[0].GetAsync("/api/books", stop.Token);
            Assert.True(late is { Status: 200, Close: true }, $"a request during the drain got {late}");
            Assert.True(await idle[0].ClosedByServerAsync(TimeSpan.FromSeconds(5)));
            // /ready says the task is going; /healthz still answers.
            using (var probe = await KeepAliveConnection.OpenAsync(service.BaseAddress))
            {
                Assert.Equal(503, (await probe.GetAsync("/ready", stop.Token))!.Status);
            }
            // An answer the exception handler writes (malformed JSON here; a database's 503 alike) is told to close
            // too: the handler clears the headers set before it, so the drain sets its header as the response starts.
            using (var bad = await KeepAliveConnection.OpenAsync(service.BaseAddress))
            {
                var refused = await bad.SendAsync("POST", "/api/categories", "{\"name\":", stop.Token);
                Assert.True(refused is { Status: 400, Close: true }, $"a malformed request during the drain got {refused}");
            }
            // Connections idle through the drain are closed cleanly when the server stops listening.
            foreach (var connection in idle.Skip(1))
            {
                Assert.True(await connection.ClosedByServerAsync(TimeSpan.FromSeconds(10)), "an idle connection was not closed cleanly");
            }
            Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the service did not exit after SIGTERM");
            Assert.Equal(0, service.ExitCode);
        }
        finally
        {
            busy.Concat(idle).ToList().ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Sigterm_waits_for_a_request_that_holds_a_lock()
    {
        await using var service = await ServiceProcess.StartAsync("Profiling.Api");
        var request = service.Client.GetAsync("/blocking-threads?holdMs=2000");
        await Task.Delay(300);
        var sw = Stopwatch.StartNew();
        await service.SendSigtermAsync();

        var response = await request;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(0, service.ExitCode);
        Assert.InRange(sw.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task The_shutdown_timeout_bounds_how_long_stopping_takes()
    {
        await using var service = await ServiceProcess.StartAsync("Profiling.Api", new Dictionary<string, string>
        {
            ["ShutdownTimeoutSeconds"] = "2",
            ["ShutdownDrainSeconds"] = "0",
        });
        // Three 5 s holds queue on one lock: 15 s of work, far past the 2 s timeout.
        var requests = Enumerable.Range(0, 3).Select(_ => service.Client.GetAsync("/blocking-threads?holdMs=5000")).ToList();
        await Task.Delay(300);
        var sw = Stopwatch.StartNew();
        await service.SendSigtermAsync();

        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(12)), "the service outlived its shutdown timeout");
        Assert.InRange(sw.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(12));
        foreach (var request in requests)
        {
            try
            {
                (await request).Dispose();
            }
            catch (HttpRequestException)
            {
                // cut off by the stop: expected for the requests still queued
            }
        }
    }

    [Fact]
    public async Task The_bookstore_finishes_its_in_flight_reads_and_exits_0_on_sigterm()
    {
        // Its image is Native AOT: run with SERVICES_TEST_PUBLISHED, this checks that build's signal handling too.
        await using var service = await ServiceProcess.StartAsync("BookStore.Api");
        using var client = service.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/books")).StatusCode);

        var inFlight = Enumerable.Range(0, 32).Select(_ => client.GetAsync("/api/books")).ToList();
        await service.SendSigtermAsync();
        foreach (var response in await Task.WhenAll(inFlight.Select(async t =>
                 {
                     try { return (await t).StatusCode; }
                     catch (HttpRequestException) { return (HttpStatusCode?)null; } // sent after the listener closed
                 })))
        {
            Assert.True(response is null or HttpStatusCode.OK, $"a read answered {response} during shutdown");
        }

        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the service did not exit after SIGTERM");
        Assert.Equal(0, service.ExitCode);
        Assert.Contains(service.StdoutLines, l => l.Contains("Application is shutting down", StringComparison.Ordinal));
    }
}
