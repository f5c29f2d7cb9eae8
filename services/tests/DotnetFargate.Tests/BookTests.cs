using System.Text.Json;
using System.Net.Http.Json;
using System.Net;

namespace DotnetFargate.Tests;

/// <summary>Run against both stores: see the two classes at the end of the file.</summary>
public abstract class BookTests(BookStoreFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;
    private readonly BookStoreClient _api = new(fixture.Client);

    private static object ValidBook(int categoryId, string? name = null) => new
    {
        categoryId,
        name = name ?? BookStoreClient.UniqueName("Book"),
        author = "Ann Author",
        description = "About things.",
        value = 19.99m,
        publishDate = "2021-05-04",
    };

    [Fact]
    public async Task Create_answers_201_with_location_category_name_and_exact_money()
    {
        var categoryId = await _api.CreateCategoryAsync();
        var category = await HttpAssert.JsonAsync(await _client.GetAsync($"/api/categories/{categoryId}"), HttpStatusCode.OK);
        var response = await _client.PostJsonAsync("/api/books", new
        {
            categoryId,
            name = BookStoreClient.UniqueName("Money"),
            author = "A. Counter",
            description = "Decimals stay decimals.",
            value = 0.30m,
            publishDate = "2019-12-31T23:00:00-02:00",
        });
        var book = await HttpAssert.JsonAsync(response, HttpStatusCode.Created);
        var id = book.GetProperty("id").GetInt32();
        Assert.Equal($"/api/books/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(category.GetProperty("name").GetString(), book.GetProperty("categoryName").GetString());
        Assert.Equal("0.30", book.GetProperty("value").GetRawText());
        Assert.Equal("2020-01-01T01:00:00Z", book.GetProperty("publishDate").GetString());

        var all = await HttpAssert.JsonAsync(await _client.GetAsync("/api/books"), HttpStatusCode.OK);
        Assert.Contains(all.EnumerateArray(), b => b.GetProperty("id").GetInt32() == id);
    }

    [Fact]
    public async Task An_empty_book_lists_every_required_field()
    {
        await HttpAssert.ValidationAsync(await _client.SendRawAsync(HttpMethod.Post, "/api/books", "{}"),
            "categoryId", "name", "author", "value", "publishDate");
    }

    [Theory]
    [InlineData("value", 0.0, "2020-01-01")]
    [InlineData("value", -5.0, "2020-01-01")]
    [InlineData("value", 1.234, "2020-01-01")]
    [InlineData("publishDate", 10.0, "2999-01-01")]
    public async Task Value_must_be_positive_money_and_publish_date_in_the_past(string field, double value, string date)
    {
        var categoryId = await _api.CreateCategoryAsync();
        var before = await _client.GetStringAsync("/api/books");
        var response = await _client.PostJsonAsync("/api/books", new
        {
            categoryId, name = BookStoreClient.UniqueName("Bad"), author = "X", value = (decimal)value, publishDate = date,
        });
        await HttpAssert.ValidationAsync(response, field);
        Assert.Equal(before, await _client.GetStringAsync("/api/books"));
    }

    [Theory]
    [InlineData("author")]
    [InlineData("description")]
    public async Task Text_with_a_NUL_character_is_400_on_both_stores_and_creates_nothing(string field)
    {
        // PostgreSQL's text refuses U+0000 (a 500 before this rule); the in-memory store refuses it alike.
        var categoryId = await _api.CreateCategoryAsync();
        var before = await _client.GetStringAsync("/api/books");
        var book = new Dictionary<string, object>
        {
            ["categoryId"] = categoryId, ["name"] = BookStoreClient.UniqueName("Nul"), ["author"] = "X", ["description"] = "D",
            ["value"] = 10m, ["publishDate"] = "2020-01-01T00:00:00Z",
        };
        book[field] = "a\0b";
        var problem = await HttpAssert.ValidationAsync(await _client.PostJsonAsync("/api/books", book), field);
        Assert.Equal($"{field} must not contain the NUL character (U+0000).", problem.GetProperty("errors").GetProperty(field)[0].GetString());
        Assert.Equal(before, await _client.GetStringAsync("/api/books"));
    }

    [Fact]
    public async Task A_publish_date_keeps_whole_microseconds_and_the_first_instant_is_refused_on_both_stores()
    {
        var categoryId = await _api.CreateCategoryAsync();
        object Book(string date) => new { categoryId, name = BookStoreClient.UniqueName("Date"), author = "X", value = 10m, publishDate = date };
        // PostgreSQL keeps microseconds: the seventh digit goes on both stores, so both give back the same date.
        var created = await HttpAssert.JsonAsync(await _client.PostJsonAsync("/api/books", Book("2020-01-15T10:20:30.1234567Z")), HttpStatusCode.Created);
        Assert.Equal("2020-01-15T10:20:30.123456Z", created.GetProperty("publishDate").GetString());
        var read = await _client.GetFromJsonAsync<JsonElement>($"/api/books/{created.GetProperty("id").GetInt32()}");
        Assert.Equal("2020-01-15T10:20:30.123456Z", read.GetProperty("publishDate").GetString());
        // DateTime.MinValue would be PostgreSQL's -infinity, no date at all.
        var problem = await HttpAssert.ValidationAsync(await _client.PostJsonAsync("/api/books", Book("0001-01-01T00:00:00Z")), "publishDate");
        Assert.Equal("publishDate must be later than 0001-01-01T00:00:00Z.", problem.GetProperty("errors").GetProperty("publishDate")[0].GetString());
        await HttpAssert.JsonAsync(await _client.PostJsonAsync("/api/books", Book("0001-01-01T00:00:01Z")), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Publish_date_a_minute_from_now_is_rejected()
    {
        var categoryId = await _api.CreateCategoryAsync();
        var soon = DateTimeOffset.UtcNow.AddMinutes(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        await HttpAssert.ValidationAsync(await _client.PostJsonAsync("/api/books", new
        {
            categoryId, name = BookStoreClient.UniqueName("Soon"), author = "X", value = 1m, publishDate = soon,
        }), "publishDate");
    }

    [Fact]
    public async Task A_missing_category_is_400_on_categoryId_and_creates_nothing()
    {
        var before = await _client.GetStringAsync("/api/books");
        await HttpAssert.ValidationAsync(await _client.PostJsonAsync("/api/books", ValidBook(999_999)), "categoryId");
        Assert.Equal(before, await _client.GetStringAsync("/api/books"));
    }

    [Fact]
    public async Task Duplicate_names_are_409()
    {
        var categoryId = await _api.CreateCategoryAsync();
        var name = BookStoreClient.UniqueName("Twin");
        await _api.CreateBookAsync(categoryId, name: name);
        await HttpAssert.ProblemAsync(await _client.PostJsonAsync("/api/books", ValidBook(categoryId, name.ToLowerInvariant())), 409);
        // the seed's names are taken too
        await HttpAssert.ProblemAsync(await _client.PostJsonAsync("/api/books", ValidBook(categoryId, "Rick Steves Paris")), 409);
    }

    [Fact]
    public async Task Update_answers_204_and_changes_the_book()
    {
        var categoryId = await _api.CreateCategoryAsync();
        var otherCategory = await _api.CreateCategoryAsync();
        var id = await _api.CreateBookAsync(categoryId);
        var name = BookStoreClient.UniqueName("Updated");
        var response = await _client.PutJsonAsync("/api/books", new
        {
            id, categoryId = otherCategory, name, author = "New Author", description = "New.", value = 42.00m,
            publishDate = "2010-10-10T00:00:00Z",
        });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var book = await HttpAssert.JsonAsync(await _client.GetAsync($"/api/books/{id}"), HttpStatusCode.OK);
        Assert.Equal(name, book.GetProperty("name").GetString());
        Assert.Equal(otherCategory, book.GetProperty("categoryId").GetInt32());
        Assert.Equal(42.00m, book.GetProperty("value").GetDecimal());
    }

    [Fact]
    public async Task Update_rules_404_409_and_400()
    {
        var categoryId = await _api.CreateCategoryAsync();
        var id = await _api.CreateBookAsync(categoryId);
        var before = await _client.GetStringAsync($"/api/books/{id}");

        await HttpAssert.ProblemAsync(await _client.PutJsonAsync("/api/books", new
        {
            id = 999_999, categoryId, name = "Nowhere", author = "X", value = 1m, publishDate = "2000-01-01",
        }), 404);
        await HttpAssert.ProblemAsync(await _client.PutJsonAsync("/api/books", new
        {
            id, categoryId, name = "Programming C# 10", author = "X", value = 1m, publishDate = "2000-01-01",
        }), 409);
        await HttpAssert.ValidationAsync(await _client.PutJsonAsync("/api/books", new
        {
            id, categoryId = 999_999, name = "Fine Name", author = "X", value = 1m, publishDate = "2000-01-01",
        }), "categoryId");
        await HttpAssert.ValidationAsync(await _client.PutJsonAsync("/api/books", new { categoryId, value = -1m }),
            "id", "name", "author", "value", "publishDate");
        Assert.Equal(before, await _client.GetStringAsync($"/api/books/{id}"));
    }

    [Fact]
    public async Task Delete_answers_204_removes_the_stock_row_and_refuses_a_book_on_an_open_order()
    {
        var free = await _api.CreateStockedBookAsync(3);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/api/books/{free}")).StatusCode);
        await HttpAssert.ProblemAsync(await _client.GetAsync($"/api/books/{free}"), 404);
        await HttpAssert.ProblemAsync(await _client.GetAsync($"/api/inventories/{free}"), 404);
        await HttpAssert.ProblemAsync(await _client.DeleteAsync($"/api/books/{free}"), 404);

        var ordered = await _api.CreateStockedBookAsync(3);
        var order = await HttpAssert.JsonAsync(await _api.PlaceOrderAsync(ordered), HttpStatusCode.Created);
        await HttpAssert.ProblemAsync(await _client.DeleteAsync($"/api/books/{ordered}"), 409);
        Assert.Equal(2, await _api.StockAsync(ordered));

        // once the order is cancelled the book can go
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/api/orders/{order.GetProperty("id").GetInt32()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/api/books/{ordered}")).StatusCode);
    }
}

public sealed class BookTestsInMemory(InMemoryBookStoreFixture fixture)
    : BookTests(fixture), IClassFixture<InMemoryBookStoreFixture>;

public sealed class BookTestsOnPostgres(PostgresBookStoreFixture fixture)
    : BookTests(fixture), IClassFixture<PostgresBookStoreFixture>;
