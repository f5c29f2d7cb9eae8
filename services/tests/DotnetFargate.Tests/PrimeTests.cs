using System.Net;

namespace DotnetFargate.Tests;

public sealed class PrimeTests(PrimeFixture fixture) : IClassFixture<PrimeFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Default_bound_returns_664579_as_a_bare_6_byte_json_number()
    {
        var response = await _client.GetAsync("/prime");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("664579", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(100, 25)]
    [InlineData(10_007, 1_230)] // crosses a segment boundary; 10007 is prime
    [InlineData(1_000_000, 78_498)]
    [InlineData(100_000_000, 5_761_455)]
    public async Task N_chooses_the_bound(int n, int count)
    {
        var body = await _client.GetStringAsync($"/prime?n={n}");
        Assert.Equal(count.ToString(System.Globalization.CultureInfo.InvariantCulture), body);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("100000001")]
    [InlineData("99999999999")]
    [InlineData("1.5")]
    [InlineData("1e6")]
    [InlineData("abc")]
    [InlineData("")]
    public async Task Anything_else_is_a_400_problem_on_n(string n)
    {
        await HttpAssert.ValidationAsync(await _client.GetAsync($"/prime?n={Uri.EscapeDataString(n)}"), "n");
    }

    [Theory]
    [InlineData("POST", "/prime", 405)]
    [InlineData("GET", "/prime/extra", 404)]
    [InlineData("GET", "/api/books", 404)]
    public async Task Other_routes_and_methods_are_problems(string method, string path, int status)
    {
        await HttpAssert.ProblemAsync(await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)), status);
    }
}
