using System.Net;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace DotnetFargate.Tests;

/// <summary>
/// The metric streams' cardinality limit (ServiceDefaults.DefaultMetricCardinalityLimit) loses nothing: every route,
/// method and status the BookStore answers keeps its own series. Past the limit the OpenTelemetry SDK folds new
/// attribute sets into one series tagged otel.metric.overflow=true (open-telemetry/opentelemetry-dotnet, core-1.18.0:
/// src/OpenTelemetry/Metrics/AggregatorStore.cs), which Prometheus shows as otel_metric_overflow="true".
/// </summary>
public sealed partial class MetricCardinalityTests(ITestOutputHelper output)
{
    private const string Duration = "http_server_request_duration_seconds_count";
    private const string Overflow = "otel_metric_overflow=\"true\"";

    [Fact]
    public async Task Every_route_method_and_status_keeps_its_own_series_at_the_default_limit()
    {
        await using var service = await ServiceProcess.StartAsync("BookStore.Api");
        var driven = await DriveEveryRouteAsync(service.Client);
        // A request's duration is recorded as its response completes: the last ones may come just after the scrape.
        string metrics;
        HashSet<(string, string, int)> series;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        do
        {
            metrics = await service.Client.GetStringAsync("/metrics");
            series = DurationSeries(metrics);
        }
        while (!driven.IsSubsetOf(series) && DateTime.UtcNow < deadline && await Delay());
        foreach (var (route, method, status) in driven)
        {
            Assert.True(series.Contains((route, method, status)), $"no {Duration} series for {method} {route} {status}");
        }
        Assert.DoesNotContain(Overflow, metrics, StringComparison.Ordinal);
        output.WriteLine($"{driven.Count} route/method/status sets driven, {series.Count} duration series; series per metric:");
        foreach (var (name, count) in SeriesPerMetric(metrics).OrderByDescending(p => p.Value).Take(8))
        {
            output.WriteLine($"  {name}: {count}");
        }
    }

    [Fact]
    public async Task A_limit_below_what_the_service_emits_shows_as_the_overflow_series()
    {
        // The check above is only worth something if a too-small limit makes it fail.
        await using var service = await ServiceProcess.StartAsync(
            "BookStore.Api", new Dictionary<string, string> { ["Metrics__CardinalityLimit"] = "5" });
        await DriveEveryRouteAsync(service.Client);
        var metrics = await service.Client.GetStringAsync("/metrics");

        Assert.Contains(Overflow, metrics, StringComparison.Ordinal);
        Assert.True(DurationSeries(metrics).Count <= 5, "the limit was not applied to http.server.request.duration");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("100001")]
    public async Task A_bad_cardinality_limit_stops_the_service_at_start(string limit)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync(
            "Prime.Api", new Dictionary<string, string> { ["Metrics__CardinalityLimit"] = limit }));
        Assert.Contains($"Metrics:CardinalityLimit must be between 1 and 100000; got {limit}.", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Each BookStore route with an answer that succeeds and ones that fail as the conformance tests make them fail
    /// (missing ids, invalid or wrongly typed bodies, conflicts), plus unmatched paths, wrong methods and an
    /// oversized body. Returns the (route, method, status) sets answered; an unmatched request has no route.
    /// </summary>
    private static async Task<HashSet<(string Route, string Method, int Status)>> DriveEveryRouteAsync(HttpClient client)
    {
        var api = new BookStoreClient(client);
        var book = await api.CreateStockedBookAsync(1);
        var category = await api.CreateCategoryAsync();
        var spareBook = await api.CreateBookAsync(category);
        var driven = new HashSet<(string, string, int)>();

        async Task Send(string method, string path, string route, string? body = null, string contentType = "application/json")
        {
            var response = body is null
                ? await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path))
                : await client.SendRawAsync(new HttpMethod(method), path, body, contentType);
            // A wrong method (405) or media type (415) is answered by routing before an endpoint, so without a route.
            var status = (int)response.StatusCode;
            driven.Add((status is 405 or 415 ? "" : route, method, status));
        }

        // A body no route accepts (400), one of the wrong media type (415) and one past the body limit (413).
        async Task SendBodies(string method, string path, string route)
        {
            await Send(method, path, route, "{}");
            await Send(method, path, route, "{\"name\":", "application/json");
            await Send(method, path, route, "{}", "text/plain");
            await Send(method, path, route, "{\"name\":\"" + new string('x', 70 * 1024) + "\"}");
        }

        foreach (var (path, route) in new[]
        {
            ("/api/books", "/api/books/"), ("/api/books/1", "/api/books/{id:int}"),
            ("/api/books/999999", "/api/books/{id:int}"),
            ("/api/books/get-books-by-category/1", "/api/books/get-books-by-category/{categoryId:int}"),
            ("/api/books/get-books-by-category/999999", "/api/books/get-books-by-category/{categoryId:int}"),
            ("/api/books/search/a", "/api/books/search/{name}"),
            ("/api/books/search-book-with-category/a", "/api/books/search-book-with-category/{value}"),
            ("/api/categories", "/api/categories/"), ("/api/categories/1", "/api/categories/{id:int}"),
            ("/api/categories/999999", "/api/categories/{id:int}"), ("/api/categories/search/a", "/api/categories/search/{name}"),
            ($"/api/inventories/{book}", "/api/inventories/{bookId:int}"), ("/api/inventories/999999", "/api/inventories/{bookId:int}"),
            ("/api/inventories/get-inventory-by-book-name/a", "/api/inventories/get-inventory-by-book-name/{name}"),
            ("/api/orders", "/api/orders/"), ("/api/orders/999999", "/api/orders/{id:int}"),
            ("/healthz", "/healthz"), ("/ready", "/ready"), ("/metrics", "/metrics"),
        })
        {
            await Send("GET", path, route);
        }

        foreach (var collection in new[] { "books", "categories", "inventories" })
        {
            await SendBodies("POST", $"/api/{collection}", $"/api/{collection}/");
            await SendBodies("PUT", $"/api/{collection}", $"/api/{collection}/");
        }
        await SendBodies("POST", "/api/orders", "/api/orders/");
        driven.Add(("/api/books/", "POST", 201));
        driven.Add(("/api/categories/", "POST", 201));
        driven.Add(("/api/inventories/", "POST", 201));

        var order = await HttpAssert.JsonAsync(await api.PlaceOrderAsync(book), HttpStatusCode.Created);
        driven.Add(("/api/orders/", "POST", 201));
        await HttpAssert.ProblemAsync(await api.PlaceOrderAsync(book), 409);
        driven.Add(("/api/orders/", "POST", 409));
        var orderId = order.GetProperty("id").GetInt32();
        await Send("GET", $"/api/orders/{orderId}", "/api/orders/{id:int}");
        await Send("DELETE", $"/api/orders/{orderId}", "/api/orders/{id:int}");
        await Send("DELETE", $"/api/orders/{orderId}", "/api/orders/{id:int}");
        await Send("DELETE", "/api/orders/999999", "/api/orders/{id:int}");

        // A category that still has books cannot go (409); the book, then its inventory-less category can.
        await Send("DELETE", $"/api/categories/{category}", "/api/categories/{id:int}");
        await Send("DELETE", $"/api/inventories/{book}", "/api/inventories/{bookId:int}");
        await Send("DELETE", "/api/inventories/999999", "/api/inventories/{bookId:int}");
        await Send("DELETE", $"/api/books/{spareBook}", "/api/books/{id:int}");
        await Send("DELETE", "/api/books/999999", "/api/books/{id:int}");
        await Send("DELETE", $"/api/categories/{category}", "/api/categories/{id:int}");
        await Send("DELETE", "/api/categories/999999", "/api/categories/{id:int}");

        // No endpoint: unmatched paths and wrong methods carry no route.
        await Send("GET", "/definitely/not/here", "");
        await Send("POST", "/definitely/not/here", "");
        await Send("PATCH", "/api/books", "");
        await Send("DELETE", "/api/books", "");
        await Send("PUT", "/healthz", "/healthz");
        return driven;
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(100);
        return true;
    }

    /// <summary>The (route, method, status) sets of the request-duration series on a Prometheus scrape.</summary>
    private static HashSet<(string, string, int)> DurationSeries(string metrics)
    {
        var series = new HashSet<(string, string, int)>();
        foreach (Match line in SeriesLine().Matches(metrics))
        {
            if (line.Groups["name"].Value != Duration || line.Groups["labels"].Value.Contains(Overflow, StringComparison.Ordinal))
            {
                continue;
            }
            var labels = LabelPair().Matches(line.Groups["labels"].Value)
                .ToDictionary(l => l.Groups["key"].Value, l => l.Groups["value"].Value);
            series.Add((labels.GetValueOrDefault("http_route", ""), labels.GetValueOrDefault("http_request_method", ""),
                int.Parse(labels.GetValueOrDefault("http_response_status_code", "0"))));
        }
        return series;
    }

    private static Dictionary<string, int> SeriesPerMetric(string metrics) =>
        SeriesLine().Matches(metrics).Select(m => m.Groups["name"].Value)
            .Where(n => !n.EndsWith("_bucket", StringComparison.Ordinal) && !n.EndsWith("_sum", StringComparison.Ordinal))
            .GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?<labels>(?:[^}""]|""(?:[^""\\]|\\.)*"")*)\} ", RegexOptions.Multiline)]
    private static partial Regex SeriesLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
