using System.Net;

namespace DotnetFargate.Tests;

/// <summary>Run against both stores: see the two classes at the end of the file.</summary>
public abstract class InventoryTests(BookStoreFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;
    private readonly BookStoreClient _api = new(fixture.Client);

    [Fact]
    public async Task Create_answers_201_once_per_book_then_409()
    {
        var book = await _api.CreateBookAsync(await _api.CreateCategoryAsync());
        var response = await _client.PostJsonAsync("/api/inventories", new { bookId = book, amount = 0 });
        var created = await HttpAssert.JsonAsync(response, HttpStatusCode.Created);
        Assert.Equal($"/api/inventories/{book}", response.Headers.Location?.OriginalString);
        Assert.Equal(0, created.GetProperty("amount").GetInt32());

        await HttpAssert.ProblemAsync(await _client.PostJsonAsync("/api/inventories", new { bookId = book, amount = 5 }), 409);
        Assert.Equal(0, await _api.StockAsync(book));
    }

    [Fact]
    public async Task Invalid_rows_are_400_and_a_missing_book_is_400_on_bookId()
    {
        var book = await _api.CreateBookAsync(await _api.CreateCategoryAsync());
        await HttpAssert.ValidationAsync(await _client.PostJsonAsync("/api/inventories", new { bookId = book, amount = -1 }), "amount");
        await HttpAssert.ValidationAsync(await _client.SendRawAsync(HttpMethod.Post, "/api/inventories", "{}"), "bookId", "amount");
        await HttpAssert.ValidationAsync(await _client.PostJsonAsync("/api/inventories", new { bookId = 999_999, amount = 1 }), "bookId");
        await HttpAssert.ProblemAsync(await _client.GetAsync($"/api/inventories/{book}"), 404);
    }

    [Fact]
    public async Task Update_answers_204_and_404_without_a_row_and_never_goes_negative()
    {
        var book = await _api.CreateStockedBookAsync(4);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.PutJsonAsync("/api/inventories", new { bookId = book, amount = 9 })).StatusCode);
        Assert.Equal(9, await _api.StockAsync(book));
        await HttpAssert.ValidationAsync(await _client.PutJsonAsync("/api/inventories", new { bookId = book, amount = -3 }), "amount");
        Assert.Equal(9, await _api.StockAsync(book));

        var bare = await _api.CreateBookAsync(await _api.CreateCategoryAsync());
        await HttpAssert.ProblemAsync(await _client.PutJsonAsync("/api/inventories", new { bookId = bare, amount = 1 }), 404);
    }

    [Fact]
    public async Task Inventory_by_book_name_is_found_ignoring_case()
    {
        var category = await _api.CreateCategoryAsync();
        var name = BookStoreClient.UniqueName("Named");
        var book = await _api.CreateBookAsync(category, name: name);
        await _client.PostJsonAsync("/api/inventories", new { bookId = book, amount = 6 });
        var row = await HttpAssert.JsonAsync(
            await _client.GetAsync($"/api/inventories/get-inventory-by-book-name/{Uri.EscapeDataString(name.ToUpperInvariant())}"),
            HttpStatusCode.OK);
        Assert.Equal(book, row.GetProperty("bookId").GetInt32());
        Assert.Equal(6, row.GetProperty("amount").GetInt32());
    }

    [Fact]
    public async Task Delete_answers_204_but_409_while_an_open_order_holds_the_book()
    {
        var book = await _api.CreateStockedBookAsync(2);
        var order = await HttpAssert.JsonAsync(await _api.PlaceOrderAsync(book), HttpStatusCode.Created);
        await HttpAssert.ProblemAsync(await _client.DeleteAsync($"/api/inventories/{book}"), 409);
        Assert.Equal(1, await _api.StockAsync(book));

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/api/orders/{order.GetProperty("id").GetInt32()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/api/inventories/{book}")).StatusCode);
        await HttpAssert.ProblemAsync(await _client.DeleteAsync($"/api/inventories/{book}"), 404);
    }
}

public sealed class InventoryTestsInMemory(InMemoryBookStoreFixture fixture)
    : InventoryTests(fixture), IClassFixture<InMemoryBookStoreFixture>;

public sealed class InventoryTestsOnPostgres(PostgresBookStoreFixture fixture)
    : InventoryTests(fixture), IClassFixture<PostgresBookStoreFixture>;
