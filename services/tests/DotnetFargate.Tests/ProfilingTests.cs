using System.Net.Http.Json;
using System.Net;
using System.Text.Json;

namespace DotnetFargate.Tests;

public sealed class ProfilingTests(ProfilingFixture fixture) : IClassFixture<ProfilingFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Theory]
    [InlineData(1, 2)]
    [InlineData(1_000, 7_919)]
    [InlineData(100_000, 1_299_709)]
    public async Task High_cpu_finds_the_nth_prime(int nth, int prime)
    {
        var result = await HttpAssert.JsonAsync(await _client.GetAsync($"/high-cpu?nth={nth}"), HttpStatusCode.OK);
        Assert.Equal(prime, result.GetProperty("prime").GetInt32());
    }

    [Fact]
    public async Task High_cpu_defaults_to_the_100000th_prime()
    {
        var result = await HttpAssert.JsonAsync(await _client.GetAsync("/high-cpu"), HttpStatusCode.OK);
        Assert.Equal(1_299_709, result.GetProperty("prime").GetInt32());
    }

    [Fact]
    public async Task High_cpu_stops_at_its_time_limit_with_a_503_problem()
    {
        await using var service = await ServiceProcess.StartAsync("Profiling.Api", new Dictionary<string, string>
        {
            ["Profiling__HighCpuTimeLimitMs"] = "100",
        });
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await HttpAssert.ProblemAsync(await service.Client.GetAsync("/high-cpu?nth=200000"), 503);
        Assert.InRange(sw.ElapsedMilliseconds, 0, 5_000);
        Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/healthz")).StatusCode);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("200001")]
    [InlineData("abc")]
    public async Task High_cpu_rejects_bad_nth(string nth)
    {
        await HttpAssert.ValidationAsync(await _client.GetAsync($"/high-cpu?nth={nth}"), "nth");
    }

    [Fact]
    public async Task Memory_leak_retains_64_KiB_per_call_up_to_the_cap_and_delete_releases_it()
    {
        // Start from nothing (another test may have leaked).
        Assert.Equal(HttpStatusCode.OK, (await _client.DeleteAsync("/memory-leak")).StatusCode);

        // The fixture caps retention at 1 MiB: 16 blocks of 64 KiB.
        for (var i = 1; i <= 16; i++)
        {
            var state = await HttpAssert.JsonAsync(await _client.GetAsync("/memory-leak"), HttpStatusCode.OK);
            Assert.Equal(i, state.GetProperty("retainedBlocks").GetInt32());
            Assert.Equal(i * 65_536L, state.GetProperty("retainedBytes").GetInt64());
        }
        await HttpAssert.ProblemAsync(await _client.GetAsync("/memory-leak"), 409);
        var stats = await HttpAssert.JsonAsync(await _client.GetAsync("/memory-leak/stats"), HttpStatusCode.OK);
        Assert.Equal(16, stats.GetProperty("retainedBlocks").GetInt32());
        Assert.Equal(1_048_576L, stats.GetProperty("capBytes").GetInt64());

        var released = await HttpAssert.JsonAsync(await _client.DeleteAsync("/memory-leak"), HttpStatusCode.OK);
        Assert.Equal(16, released.GetProperty("retainedBlocks").GetInt32());
        var after = await HttpAssert.JsonAsync(await _client.GetAsync("/memory-leak"), HttpStatusCode.OK);
        Assert.Equal(1, after.GetProperty("retainedBlocks").GetInt32());
    }

    [Fact]
    public async Task Blocking_threads_holds_the_lock_and_gives_up_after_the_wait_limit()
    {
        var single = await HttpAssert.JsonAsync(await _client.GetAsync("/blocking-threads?holdMs=50"), HttpStatusCode.OK);
        Assert.Equal(50, single.GetProperty("heldMs").GetInt32());

        // The fixture limits the lock wait to 300 ms: of four 400 ms holds started together,
        // the first succeeds and at least one waits too long and is refused with a 503 problem.
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _client.GetAsync("/blocking-threads?holdMs=400")));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(refused);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable));
        await HttpAssert.ProblemAsync(refused[0], 503);
    }

    [Theory]
    [InlineData("5001")]
    [InlineData("-1")]
    [InlineData("soon")]
    public async Task Blocking_threads_rejects_holds_past_the_cap(string holdMs)
    {
        await HttpAssert.ValidationAsync(await _client.GetAsync($"/blocking-threads?holdMs={holdMs}"), "holdMs");
    }

    [Fact]
    public async Task Profiling_routes_live_under_their_own_prefixes()
    {
        await HttpAssert.ProblemAsync(await _client.GetAsync("/prime"), 404);
        await HttpAssert.ProblemAsync(await _client.PostAsync("/memory-leak", null), 405);
        var stats = await _client.GetFromJsonAsync<JsonElement>("/memory-leak/stats");
        Assert.True(stats.TryGetProperty("capBytes", out _));
    }
}
