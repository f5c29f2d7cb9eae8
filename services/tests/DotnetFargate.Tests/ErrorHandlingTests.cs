using System.Text;

namespace DotnetFargate.Tests;

/// <summary>Whatever a client sends, the BookStore answers 4xx problem details, never 5xx.</summary>
/// <summary>Run against both stores: see the two classes at the end of the file.</summary>
public abstract class ErrorHandlingTests(BookStoreFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;

    public static TheoryData<string, string> WriteRoutes => new()
    {
        { "POST", "/api/categories" }, { "PUT", "/api/categories" },
        { "POST", "/api/books" }, { "PUT", "/api/books" },
        { "POST", "/api/inventories" }, { "PUT", "/api/inventories" },
        { "POST", "/api/orders" },
    };

    [Theory]
    [MemberData(nameof(WriteRoutes))]
    public async Task Malformed_json_is_a_400_problem(string method, string path)
    {
        var before = await _client.GetStringAsync("/api/books");
        await HttpAssert.ProblemAsync(await _client.SendRawAsync(new HttpMethod(method), path, "{\"name\": \"unterminated"), 400);
        await HttpAssert.ProblemAsync(await _client.SendRawAsync(new HttpMethod(method), path, "[1,2,3]"), 400);
        Assert.Equal(before, await _client.GetStringAsync("/api/books"));
    }

    [Theory]
    [MemberData(nameof(WriteRoutes))]
    public async Task A_wrong_content_type_is_a_415_problem(string method, string path)
    {
        await HttpAssert.ProblemAsync(await _client.SendRawAsync(new HttpMethod(method), path, "name=Poetry", "application/x-www-form-urlencoded"), 415);
        await HttpAssert.ProblemAsync(await _client.SendRawAsync(new HttpMethod(method), path, "{\"name\":\"Poetry\"}", "text/plain"), 415);
    }

    [Theory]
    [MemberData(nameof(WriteRoutes))]
    public async Task A_missing_body_is_a_400_problem(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = JsonBody([]),
        };
        await HttpAssert.ProblemAsync(await _client.SendAsync(request), 400);
    }

    [Fact]
    public async Task Wrong_json_types_are_a_400_problem()
    {
        await HttpAssert.ProblemAsync(await _client.SendRawAsync(HttpMethod.Post, "/api/books", "{\"value\":\"cheap\"}"), 400);
        await HttpAssert.ProblemAsync(await _client.SendRawAsync(HttpMethod.Post, "/api/orders", "{\"books\":\"1,2\"}"), 400);
        await HttpAssert.ProblemAsync(await _client.SendRawAsync(HttpMethod.Post, "/api/inventories", "{\"bookId\":1.5,\"amount\":1}"), 400);
        await HttpAssert.ProblemAsync(await _client.SendRawAsync(HttpMethod.Post, "/api/books", "{\"publishDate\":\"yesterday\"}"), 400);
    }

    [Theory]
    [InlineData(65 * 1024, false)]
    [InlineData(65 * 1024, true)]
    [InlineData(4 * 1024 * 1024, false)]
    [InlineData(4 * 1024 * 1024, true)]
    public async Task An_oversized_body_is_a_413_problem(int size, bool chunked)
    {
        var before = await _client.GetStringAsync("/api/categories");
        var json = Encoding.UTF8.GetBytes("{\"name\":\"" + new string('a', size) + "\"}");
        var response = await RawHttp.PostAsync(fixture.Service.BaseAddress, "/api/categories", json, chunked);
        Assert.Equal(413, response.Status);
        Assert.Equal(HttpAssert.ProblemJson, response.ContentType.Split(';')[0]);
        using var problem = System.Text.Json.JsonDocument.Parse(response.Body);
        Assert.Equal(413, problem.RootElement.GetProperty("status").GetInt32());
        HttpAssert.AssertNoInternals(response.Body);
        Assert.Equal(before, await _client.GetStringAsync("/api/categories"));
    }

    [Theory]
    [InlineData("GET", "/nope")]
    [InlineData("GET", "/api")]
    [InlineData("GET", "/api/unknown")]
    [InlineData("GET", "/api/books/abc")]
    [InlineData("GET", "/api/books/1/extra")]
    [InlineData("DELETE", "/api/orders/not-a-number")]
    public async Task Unknown_routes_are_404_problems(string method, string path)
    {
        await HttpAssert.ProblemAsync(await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)), 404);
    }

    [Theory]
    [InlineData("PATCH", "/api/books")]
    [InlineData("DELETE", "/api/books")]
    [InlineData("POST", "/api/books/1")]
    [InlineData("PUT", "/api/orders")]
    public async Task Wrong_methods_are_405_problems(string method, string path)
    {
        await HttpAssert.ProblemAsync(await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)), 405);
    }

    [Fact]
    public async Task A_sweep_of_hostile_requests_never_gets_a_5xx()
    {
        string[] bodies = ["", "null", "0", "\"x\"", "{}", "{\"id\":-1}", "{\"id\":2147483648}", "{\"books\":[null]}",
            "{\"name\":" + new string('[', 100) + "}", "{\"value\":1e400}", "\u0000\u0001", "{\"books\":[1,2,3],\"customerName\":{}}"];
        string[] paths = ["/api/categories", "/api/books", "/api/inventories", "/api/orders"];
        foreach (var path in paths)
        {
            foreach (var method in new[] { HttpMethod.Post, HttpMethod.Put })
            {
                foreach (var body in bodies)
                {
                    using var response = await _client.SendRawAsync(method, path, body);
                    var text = await response.Content.ReadAsStringAsync();
                    var status = (int)response.StatusCode;
                    Assert.True(status is >= 400 and < 500, $"{method} {path} {body} -> {status}: {text}");
                    Assert.Equal(HttpAssert.ProblemJson, response.Content.Headers.ContentType?.MediaType);
                    HttpAssert.AssertNoInternals(text);
                }
            }
        }
    }

    private static ByteArrayContent JsonBody(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return content;
    }
}

public sealed class ErrorHandlingTestsInMemory(InMemoryBookStoreFixture fixture)
    : ErrorHandlingTests(fixture), IClassFixture<InMemoryBookStoreFixture>;

public sealed class ErrorHandlingTestsOnPostgres(PostgresBookStoreFixture fixture)
    : ErrorHandlingTests(fixture), IClassFixture<PostgresBookStoreFixture>;
