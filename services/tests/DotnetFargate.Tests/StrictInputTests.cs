using System.Net;
using System.Text;

namespace DotnetFargate.Tests;

/// <summary>
/// Input the services refuse cleanly: a charset they cannot decode (415, not a 500), numbers sent as JSON
/// strings (400: the web JSON defaults would accept "15"), and problem details whose instance is the
/// request's path (RFC 9457: a URI reference). A refused request changes nothing.
/// </summary>
/// <summary>Run against both stores: see the two classes at the end of the file.</summary>
public abstract class StrictInputTests(BookStoreFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;

    private static HttpRequestMessage WithContentType(HttpMethod method, string path, string body, string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return new HttpRequestMessage(method, path) { Content = content };
    }

    [Theory]
    [InlineData("application/json; charset=bogus")]
    [InlineData("application/json; charset=utf-7")]
    [InlineData("application/json; charset=\"\"")]
    public async Task A_charset_the_service_cannot_read_is_a_415_problem_on_every_write_route(string contentType)
    {
        foreach (var (method, path) in new[] { (HttpMethod.Post, "/api/categories"), (HttpMethod.Put, "/api/books"), (HttpMethod.Post, "/api/orders") })
        {
            var problem = await HttpAssert.ProblemAsync(await _client.SendAsync(WithContentType(method, path, "{\"name\":\"Poetry\"}", contentType)), 415);
            Assert.Equal(path, problem.GetProperty("instance").GetString());
        }
        Assert.DoesNotContain(fixture.Service.StdoutLines, l => l.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Utf8_named_explicitly_is_accepted()
    {
        var response = await _client.SendAsync(WithContentType(HttpMethod.Post, "/api/categories", "{\"name\":\"Charset poetry\"}", "application/json; charset=utf-8"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Numbers_sent_as_strings_are_400_and_change_nothing()
    {
        var before = await _client.GetStringAsync("/api/inventories/15");
        await HttpAssert.ProblemAsync(await _client.SendRawAsync(HttpMethod.Put, "/api/inventories", "{\"bookId\":\"15\",\"amount\":\"7\"}"), 400);
        Assert.Equal(before, await _client.GetStringAsync("/api/inventories/15"));

        var orders = await _client.GetStringAsync("/api/orders");
        var order = "{\"customerName\":\"Ann\",\"address\":\"1 Road\",\"telephone\":\"555-0100\",\"city\":\"Leeds\",\"books\":[\"15\"]}";
        await HttpAssert.ProblemAsync(await _client.SendRawAsync(HttpMethod.Post, "/api/orders", order), 400);
        Assert.Equal(orders, await _client.GetStringAsync("/api/orders"));
    }

    [Fact]
    public async Task A_problem_names_the_request_path_as_its_instance()
    {
        var problem = await HttpAssert.ProblemAsync(await _client.GetAsync("/api/books/999999"), 404);
        Assert.Equal("/api/books/999999", problem.GetProperty("instance").GetString());
    }

    [Fact]
    public async Task Liveness_and_readiness_answer_apart()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/ready")).StatusCode);
    }
}

public sealed class StrictInputTestsInMemory(InMemoryBookStoreFixture fixture)
    : StrictInputTests(fixture), IClassFixture<InMemoryBookStoreFixture>;

public sealed class StrictInputTestsOnPostgres(PostgresBookStoreFixture fixture)
    : StrictInputTests(fixture), IClassFixture<PostgresBookStoreFixture>;
