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

        // Keep every core busy: 16 sieves to 10^8 at once, each slowed by sharing the cores with the others.
        var inFlight = Enumerable.Range(0, 16).Select(_ => client.GetAsync("/prime?n=100000000")).ToList();
        await Task.Delay(100);
        Assert.DoesNotContain(inFlight, t => t.IsCompleted);
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
