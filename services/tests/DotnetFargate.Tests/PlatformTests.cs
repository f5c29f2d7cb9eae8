using System.Net;
using System.Text.Json;

namespace DotnetFargate.Tests;

/// <summary>What every service shares: health, JSON logs, metrics, configuration checks.</summary>
public sealed class PlatformTests
{
    [Theory]
    [InlineData("BookStore.Api")]
    [InlineData("Prime.Api")]
    [InlineData("Profiling.Api")]
    public async Task Healthz_is_200_in_production_logs_are_json_and_metrics_are_exposed(string project)
    {
        await using var service = await ServiceProcess.StartAsync(project);

        var health = await service.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        await HttpAssert.ProblemAsync(await service.Client.GetAsync("/definitely/not/here"), 404);

        var metrics = await service.Client.GetStringAsync("/metrics");
        Assert.Contains("http_server_request_duration_seconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/healthz\"", metrics, StringComparison.Ordinal);

        // Every line on stdout is one JSON object with a level, a category and a message.
        Assert.NotEmpty(service.StdoutLines);
        foreach (var line in service.StdoutLines)
        {
            using var log = JsonDocument.Parse(line);
            Assert.True(log.RootElement.TryGetProperty("LogLevel", out _), line);
            Assert.True(log.RootElement.TryGetProperty("Category", out _), line);
            Assert.True(log.RootElement.TryGetProperty("Message", out _), line);
        }
        Assert.Contains(service.StdoutLines, l => l.Contains("\"Hosting environment: Production\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("BookStore.Api")]
    [InlineData("Prime.Api")]
    public async Task Liveness_is_answered_ahead_of_routing_and_keeps_its_route_on_request_metrics(string project)
    {
        await using var service = await ServiceProcess.StartAsync(project);

        // As routing matched it, any case and any method; not with a trailing slash (ServiceDefaults says why).
        foreach (var (method, path) in new[] { ("GET", "/healthz"), ("GET", "/HealthZ"), ("HEAD", "/healthz"), ("POST", "/healthz") })
        {
            using var response = await service.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal("Healthy", await service.Client.GetStringAsync("/healthz"));
        await HttpAssert.ProblemAsync(await service.Client.GetAsync("/healthzz"), 404);
        await HttpAssert.ProblemAsync(await service.Client.GetAsync("/healthz/"), 404);

        var metrics = await service.Client.GetStringAsync("/metrics");
        // Routing counts a match attempt, by route, for every request that reaches it: /metrics's and the 404s'
        // here, none for liveness, so the first /healthz does not wait for the route table to be built.
        Assert.Matches("aspnetcore_routing_match_attempts_total\\{[^}]*http_route=\"/metrics\"", metrics);
        Assert.DoesNotMatch("aspnetcore_routing_match_attempts_total\\{[^}]*http_route=\"/healthz\"", metrics);
        Assert.Matches("http_server_request_duration_seconds_count\\{[^}]*http_response_status_code=\"200\"[^}]*http_route=\"/healthz\"[^}]*\\} [1-9]", metrics);
    }

    [Fact]
    public async Task BookStore_business_counters_are_exported()
    {
        await using var service = await ServiceProcess.StartAsync("BookStore.Api");
        var api = new BookStoreClient(service.Client);
        var book = await api.CreateStockedBookAsync(1);
        var order = await HttpAssert.JsonAsync(await api.PlaceOrderAsync(book), HttpStatusCode.Created);
        await HttpAssert.ProblemAsync(await api.PlaceOrderAsync(book), 409);
        Assert.Equal(HttpStatusCode.NoContent, (await service.Client.DeleteAsync($"/api/orders/{order.GetProperty("id").GetInt32()}")).StatusCode);

        var metrics = await service.Client.GetStringAsync("/metrics");
        Assert.Matches("bookstore_books_created_total\\{[^}]*\\} 1(\\s|$)", metrics);
        Assert.Matches("bookstore_orders_placed_total\\{[^}]*\\} 1(\\s|$)", metrics);
        Assert.Matches("bookstore_orders_cancelled_total\\{[^}]*\\} 1(\\s|$)", metrics);
        Assert.Matches("bookstore_orders_rejected_total\\{[^}]*reason=\"out_of_stock\"[^}]*\\} 1(\\s|$)", metrics);
    }

    [Theory]
    [InlineData("0", "2", "ShutdownTimeoutSeconds must be between 1 and 600; got 0.")]
    [InlineData("5", "5", "ShutdownDrainSeconds must be between 0 and ShutdownTimeoutSeconds - 1 (4); got 5.")]
    [InlineData("5", "-1", "ShutdownDrainSeconds must be between 0 and ShutdownTimeoutSeconds - 1 (4); got -1.")]
    public async Task A_bad_shutdown_timeout_or_drain_stops_the_service_at_start(string timeout, string drain, string message)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync(
            "Prime.Api", new Dictionary<string, string> { ["ShutdownTimeoutSeconds"] = timeout, ["ShutdownDrainSeconds"] = drain }));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Prime.Api", "Admission__MaxConcurrent", "0", "Admission:MaxConcurrent must be between 1 and 1024; got 0.")]
    [InlineData("Prime.Api", "Admission__MaxConcurrent", "1025", "Admission:MaxConcurrent must be between 1 and 1024; got 1025.")]
    [InlineData("Prime.Api", "Admission__QueueLimit", "10001", "Admission:QueueLimit must be between 0 and 10000; got 10001.")]
    [InlineData("Prime.Api", "Admission__RetryAfterSeconds", "0", "Admission:RetryAfterSeconds must be between 1 and 3600; got 0.")]
    [InlineData("Prime.Api", "RequestLimits__MaxBodyBytes", "0", "RequestLimits:MaxBodyBytes must be at least 1; got 0.")]
    [InlineData("Prime.Api", "ShutdownTimeoutSeconds", "601", "ShutdownTimeoutSeconds must be between 1 and 600; got 601.")]
    [InlineData("Profiling.Api", "Profiling__MaxHoldMs", "10001", "Profiling:MaxHoldMs must be between 0 and 10000; got 10001.")]
    [InlineData("Profiling.Api", "Profiling__HighCpuTimeLimitMs", "99", "Profiling:HighCpuTimeLimitMs must be between 100 and 120000; got 99.")]
    // Not a number: the configuration binder refuses it, naming the setting.
    [InlineData("Prime.Api", "Admission__QueueLimit", "ten", "'Admission:QueueLimit'")]
    public async Task A_setting_out_of_its_range_stops_the_service_at_start_and_is_named(
        string project, string variable, string value, string message)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync(
            project, new Dictionary<string, string> { [variable] = value }));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_body_limit_is_configurable()
    {
        await using var service = await ServiceProcess.StartAsync(
            "BookStore.Api", new Dictionary<string, string> { ["RequestLimits__MaxBodyBytes"] = "100" });
        var name = BookStoreClient.UniqueName("Small");
        Assert.Equal(HttpStatusCode.Created, (await service.Client.PostJsonAsync("/api/categories", new { name })).StatusCode);
        await HttpAssert.ProblemAsync(
            await service.Client.PostJsonAsync("/api/categories", new { name = name + new string('x', 120) }), 413);
    }
}
