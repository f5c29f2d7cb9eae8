using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace DotnetFargate.Tests;

/// <summary>Creates the data a BookStore test needs, with names no other test uses.</summary>
internal sealed class BookStoreClient(HttpClient client)
{
    public static string UniqueName(string prefix) => $"{prefix} {Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 150)];

    public async Task<int> CreateCategoryAsync(string? name = null)
    {
        var response = await client.PostJsonAsync("/api/categories", new { name = name ?? UniqueName("Cat") });
        return (await HttpAssert.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetInt32();
    }

    public async Task<int> CreateBookAsync(int categoryId, decimal value = 10.50m, string? name = null)
    {
        var response = await client.PostJsonAsync("/api/books", new
        {
            categoryId,
            name = name ?? UniqueName("Book"),
            author = "Test Author",
            description = "A book made by a test.",
            value,
            publishDate = "2020-01-15T00:00:00Z",
        });
        return (await HttpAssert.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetInt32();
    }

    /// <summary>A new book in a new category with an inventory row of <paramref name="stock"/>.</summary>
    public async Task<int> CreateStockedBookAsync(int stock, decimal value = 10.50m)
    {
        var book = await CreateBookAsync(await CreateCategoryAsync(), value);
        var response = await client.PostJsonAsync("/api/inventories", new { bookId = book, amount = stock });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return book;
    }

    public async Task<int> StockAsync(int bookId)
    {
        var inventory = await client.GetFromJsonAsync<JsonElement>($"/api/inventories/{bookId}");
        return inventory.GetProperty("amount").GetInt32();
    }

    public Task<HttpResponseMessage> PlaceOrderAsync(params int[] books) => client.PostJsonAsync("/api/orders", new
    {
        customerName = "Test Customer",
        address = "1 Test Street",
        telephone = "555-0100",
        city = "Testville",
        books,
    });
}
