using System.Net;

namespace DotnetFargate.Tests;

/// <summary>Run against both stores: see the two classes at the end of the file.</summary>
public abstract class OrderTests(BookStoreFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;
    private readonly BookStoreClient _api = new(fixture.Client);

    [Fact]
    public async Task Place_answers_201_takes_one_of_each_off_the_stock_and_sums_the_prices()
    {
        var a = await _api.CreateStockedBookAsync(5, 10.10m);
        var b = await _api.CreateStockedBookAsync(1, 20.20m);
        var response = await _api.PlaceOrderAsync(a, b);
        var order = await HttpAssert.JsonAsync(response, HttpStatusCode.Created);
        var id = order.GetProperty("id").GetInt32();
        Assert.Equal($"/api/orders/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("NEW_ORDER", order.GetProperty("status").GetString());
        Assert.Equal("30.30", order.GetProperty("totalAmount").GetRawText());
        Assert.Equal([a, b], order.GetProperty("books").EnumerateArray().Select(x => x.GetInt32()));
        Assert.Equal(4, await _api.StockAsync(a));
        Assert.Equal(0, await _api.StockAsync(b));

        var fetched = await HttpAssert.JsonAsync(await _client.GetAsync($"/api/orders/{id}"), HttpStatusCode.OK);
        Assert.Equal("Test Customer", fetched.GetProperty("customerName").GetString());
    }

    [Fact]
    public async Task An_empty_order_lists_every_required_field()
    {
        await HttpAssert.ValidationAsync(await _client.SendRawAsync(HttpMethod.Post, "/api/orders", "{}"),
            "customerName", "address", "telephone", "city", "books");
    }

    [Fact]
    public async Task Each_problem_with_the_book_ids_is_its_own_message_in_a_fixed_order()
    {
        int[] books = [1, 1, -2, .. Enumerable.Range(3, 58)];
        var problem = await HttpAssert.ValidationAsync(await _api.PlaceOrderAsync(books), "books");
        Assert.Equal(
            ["An order can hold at most 50 books.", "Every book id must be a positive whole number.",
                "An order takes one of each book: list each book id once."],
            problem.GetProperty("errors").GetProperty("books").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task Repeated_book_ids_are_400()
    {
        var a = await _api.CreateStockedBookAsync(5);
        await HttpAssert.ValidationAsync(await _api.PlaceOrderAsync(a, a), "books");
        Assert.Equal(5, await _api.StockAsync(a));
    }

    [Fact]
    public async Task A_missing_book_is_400_and_changes_no_stock()
    {
        var a = await _api.CreateStockedBookAsync(5);
        var before = await _client.GetStringAsync("/api/orders");
        await HttpAssert.ValidationAsync(await _api.PlaceOrderAsync(a, 999_999), "books");
        Assert.Equal(5, await _api.StockAsync(a));
        Assert.Equal(before, await _client.GetStringAsync("/api/orders"));
    }

    [Fact]
    public async Task An_out_of_stock_item_halfway_through_is_409_and_changes_no_stock()
    {
        var a = await _api.CreateStockedBookAsync(5);
        var empty = await _api.CreateStockedBookAsync(0);
        var noRow = await _api.CreateBookAsync(await _api.CreateCategoryAsync());
        var c = await _api.CreateStockedBookAsync(2);
        var before = await _client.GetStringAsync("/api/orders");

        await HttpAssert.ProblemAsync(await _api.PlaceOrderAsync(a, empty, c), 409);
        await HttpAssert.ProblemAsync(await _api.PlaceOrderAsync(a, noRow, c), 409);

        Assert.Equal(5, await _api.StockAsync(a));
        Assert.Equal(0, await _api.StockAsync(empty));
        Assert.Equal(2, await _api.StockAsync(c));
        Assert.Equal(before, await _client.GetStringAsync("/api/orders"));
    }

    [Fact]
    public async Task Cancel_answers_204_restores_the_stock_once_and_then_409()
    {
        var a = await _api.CreateStockedBookAsync(3);
        var b = await _api.CreateStockedBookAsync(3);
        var id = (await HttpAssert.JsonAsync(await _api.PlaceOrderAsync(a, b), HttpStatusCode.Created)).GetProperty("id").GetInt32();
        Assert.Equal(2, await _api.StockAsync(a));

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/api/orders/{id}")).StatusCode);
        var order = await HttpAssert.JsonAsync(await _client.GetAsync($"/api/orders/{id}"), HttpStatusCode.OK);
        Assert.Equal("CANCELLED", order.GetProperty("status").GetString());
        Assert.Equal(3, await _api.StockAsync(a));
        Assert.Equal(3, await _api.StockAsync(b));

        await HttpAssert.ProblemAsync(await _client.DeleteAsync($"/api/orders/{id}"), 409);
        Assert.Equal(3, await _api.StockAsync(a));
        await HttpAssert.ProblemAsync(await _client.DeleteAsync("/api/orders/999999"), 404);
    }

    [Fact]
    public async Task N_concurrent_orders_against_a_stock_of_S_succeed_exactly_min_N_S_times()
    {
        const int stock = 25;
        // Each order locks `other` too, so on PostgreSQL they run one at a time while the rest wait for one of the
        // pool's 20 connections, each at most the connect Timeout (5 s): the last of 60 waits for 40 orders, ~25 of
        // them committed, which leaves a slow disk 125 ms an order. (Of 120, the last waited for 100 orders: 50 ms.)
        const int orders = 60;
        var book = await _api.CreateStockedBookAsync(stock);
        var other = await _api.CreateStockedBookAsync(1_000);

        using var start = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, orders).Select(async _ =>
        {
            await start.WaitAsync();
            using var response = await _api.PlaceOrderAsync(other, book);
            return (int)response.StatusCode;
        }).ToList();
        start.Release(orders);
        var statuses = await Task.WhenAll(tasks);

        Assert.Equal(stock, statuses.Count(s => s == 201));
        Assert.Equal(orders - stock, statuses.Count(s => s == 409));
        Assert.Equal(0, await _api.StockAsync(book));
        Assert.Equal(1_000 - stock, await _api.StockAsync(other));

        // Cancel every accepted order twice, all at once: each restores its stock exactly once.
        var all = await HttpAssert.JsonAsync(await _client.GetAsync("/api/orders"), HttpStatusCode.OK);
        var placed = all.EnumerateArray()
            .Where(o => o.GetProperty("books").EnumerateArray().Any(b => b.GetInt32() == book))
            .Select(o => o.GetProperty("id").GetInt32())
            .ToList();
        Assert.Equal(stock, placed.Count);
        var cancels = await Task.WhenAll(placed.Concat(placed).Select(async id =>
        {
            using var response = await _client.DeleteAsync($"/api/orders/{id}");
            return (int)response.StatusCode;
        }));
        Assert.Equal(stock, cancels.Count(s => s == 204));
        Assert.Equal(stock, cancels.Count(s => s == 409));
        Assert.Equal(stock, await _api.StockAsync(book));
        Assert.Equal(1_000, await _api.StockAsync(other));
    }
}

public sealed class OrderTestsInMemory(InMemoryBookStoreFixture fixture)
    : OrderTests(fixture), IClassFixture<InMemoryBookStoreFixture>;

public sealed class OrderTestsOnPostgres(PostgresBookStoreFixture fixture)
    : OrderTests(fixture), IClassFixture<PostgresBookStoreFixture>;
