using System.Net;
using System.Text.Json;

namespace DotnetFargate.Tests;

/// <summary>A fresh BookStore serves the seed's data in the seed's shapes and sizes. Read-only.</summary>
/// <summary>Run against both stores: see the two classes at the end of the file.</summary>
public abstract class SeedDataTests(BookStoreFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;

    [Theory]
    [InlineData("/api/books", 5000, 15)]
    [InlineData("/api/categories", 165, 6)]
    [InlineData("/api/orders", 1888, 10)]
    public async Task List_routes_return_the_seed_data_within_10_percent_of_the_seed_sizes(string path, int seedBytes, int count)
    {
        var response = await _client.GetAsync(path);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.InRange(bytes.Length, seedBytes * 0.9, seedBytes * 1.1);
        Assert.Equal(count, JsonDocument.Parse(bytes).RootElement.GetArrayLength());
    }

    [Fact]
    public async Task Books_have_the_seed_shape_and_are_ordered_by_name()
    {
        var books = await HttpAssert.JsonAsync(await _client.GetAsync("/api/books"), HttpStatusCode.OK);
        var names = books.EnumerateArray().Select(b => b.GetProperty("name").GetString()!).ToList();
        Assert.Equal(names.Order(StringComparer.OrdinalIgnoreCase), names);

        var first = books.EnumerateArray().Single(b => b.GetProperty("id").GetInt32() == 3);
        Assert.Equal(
            ["id", "categoryId", "categoryName", "name", "author", "description", "value", "publishDate"],
            first.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Educational", first.GetProperty("categoryName").GetString());
        Assert.Equal(56.61m, first.GetProperty("value").GetDecimal());
        Assert.Equal("2022-09-13T00:00:00Z", first.GetProperty("publishDate").GetString());
    }

    [Fact]
    public async Task Orders_have_the_seed_shape_statuses_and_totals()
    {
        var orders = await HttpAssert.JsonAsync(await _client.GetAsync("/api/orders"), HttpStatusCode.OK);
        Assert.Equal(7, orders.EnumerateArray().Count(o => o.GetProperty("status").GetString() == "NEW_ORDER"));
        Assert.Equal(3, orders.EnumerateArray().Count(o => o.GetProperty("status").GetString() == "CANCELLED"));

        var order = await HttpAssert.JsonAsync(await _client.GetAsync("/api/orders/2"), HttpStatusCode.OK);
        Assert.Equal(
            ["id", "customerName", "address", "telephone", "city", "status", "totalAmount", "books"],
            order.EnumerateObject().Select(p => p.Name));
        Assert.Equal(137.37m, order.GetProperty("totalAmount").GetDecimal());
        Assert.Equal([1, 2, 6], order.GetProperty("books").EnumerateArray().Select(b => b.GetInt32()));
    }

    [Theory]
    [InlineData("/api/categories/2", "name", "History")]
    [InlineData("/api/books/12", "name", "Rick Steves Paris")]
    [InlineData("/api/inventories/15", "amount", "75")]
    [InlineData("/api/inventories/get-inventory-by-book-name/Rick%20Steves%20Paris", "bookId", "12")]
    [InlineData("/api/orders/9", "status", "CANCELLED")]
    public async Task Single_item_routes_return_the_seed_values(string path, string property, string expected)
    {
        var item = await HttpAssert.JsonAsync(await _client.GetAsync(path), HttpStatusCode.OK);
        Assert.Equal(expected, item.GetProperty(property).ToString());
    }

    [Theory]
    [InlineData("/api/books/get-books-by-category/4", new[] { 13, 12, 11 })]
    [InlineData("/api/books/search/rick", new[] { 13, 12 })]
    [InlineData("/api/books/search-book-with-category/travel", new[] { 13, 12, 11 })]
    [InlineData("/api/books/get-books-by-category/5", new int[0])]
    public async Task Book_queries_return_the_matching_books_by_name(string path, int[] ids)
    {
        var books = await HttpAssert.JsonAsync(await _client.GetAsync(path), HttpStatusCode.OK);
        var got = books.EnumerateArray().Select(b => b.GetProperty("id").GetInt32()).ToArray();
        Assert.Equal(ids.Order(), got.Order());
        var names = books.EnumerateArray().Select(b => b.GetProperty("name").GetString()!).ToList();
        Assert.Equal(names.Order(StringComparer.OrdinalIgnoreCase), names);
    }

    [Fact]
    public async Task Category_search_matches_part_of_the_name_ignoring_case()
    {
        var found = await HttpAssert.JsonAsync(await _client.GetAsync("/api/categories/search/sci"), HttpStatusCode.OK);
        Assert.Equal(5, Assert.Single(found.EnumerateArray()).GetProperty("id").GetInt32());
    }

    [Theory]
    [InlineData("/api/books/999")]
    [InlineData("/api/categories/3")]
    [InlineData("/api/orders/999")]
    [InlineData("/api/inventories/999")]
    [InlineData("/api/books/get-books-by-category/3")]
    [InlineData("/api/inventories/get-inventory-by-book-name/No%20Such%20Book")]
    public async Task Missing_items_are_404_problems(string path)
    {
        var problem = await HttpAssert.ProblemAsync(await _client.GetAsync(path), 404);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }
}

public sealed class SeedDataTestsInMemory(InMemoryBookStoreFixture fixture)
    : SeedDataTests(fixture), IClassFixture<InMemoryBookStoreFixture>;

public sealed class SeedDataTestsOnPostgres(PostgresBookStoreFixture fixture)
    : SeedDataTests(fixture), IClassFixture<PostgresBookStoreFixture>;
