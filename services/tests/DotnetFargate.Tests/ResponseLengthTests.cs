namespace DotnetFargate.Tests;

/// <summary>Lists go out with a Content-Length (serialized into a pooled buffer first), never chunked.</summary>
/// <summary>Run against both stores: see the two classes at the end of the file.</summary>
public abstract class ResponseLengthTests(BookStoreFixture fixture)
{
    [Theory]
    [InlineData("/api/books")]
    [InlineData("/api/categories")]
    [InlineData("/api/orders")]
    [InlineData("/api/books/search/a")]
    public async Task A_list_is_sent_with_its_length(string path)
    {
        using var response = await fixture.Client.GetAsync(path);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal('[', (char)body[0]);
    }
}

public sealed class ResponseLengthTestsInMemory(InMemoryBookStoreFixture fixture)
    : ResponseLengthTests(fixture), IClassFixture<InMemoryBookStoreFixture>;

public sealed class ResponseLengthTestsOnPostgres(PostgresBookStoreFixture fixture)
    : ResponseLengthTests(fixture), IClassFixture<PostgresBookStoreFixture>;
