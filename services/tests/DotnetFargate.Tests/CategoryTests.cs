using System.Net;

namespace DotnetFargate.Tests;

/// <summary>Run against both stores: see the two classes at the end of the file.</summary>
public abstract class CategoryTests(BookStoreFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;
    private readonly BookStoreClient _api = new(fixture.Client);

    [Fact]
    public async Task Create_answers_201_with_location_and_the_category()
    {
        var name = BookStoreClient.UniqueName("Poetry");
        var response = await _client.PostJsonAsync("/api/categories", new { name = $"  {name} " });
        var created = await HttpAssert.JsonAsync(response, HttpStatusCode.Created);
        Assert.Equal(name, created.GetProperty("name").GetString());
        var id = created.GetProperty("id").GetInt32();
        Assert.Equal($"/api/categories/{id}", response.Headers.Location?.OriginalString);

        var fetched = await HttpAssert.JsonAsync(await _client.GetAsync(response.Headers.Location), HttpStatusCode.OK);
        Assert.Equal(name, fetched.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"name\":null}")]
    [InlineData("{\"name\":\"\"}")]
    [InlineData("{\"name\":\"   \"}")]
    [InlineData("{\"name\":\"A\"}")]
    public async Task Invalid_names_are_400_naming_the_field_and_create_nothing(string body)
    {
        var before = await _client.GetStringAsync("/api/categories");
        await HttpAssert.ValidationAsync(await _client.SendRawAsync(HttpMethod.Post, "/api/categories", body), "name");
        Assert.Equal(before, await _client.GetStringAsync("/api/categories"));
    }

    [Theory]
    [InlineData("{\"name\":\"   \"}", "name is required.")]
    [InlineData("{\"name\":\" A \"}", "name must be between 2 and 150 characters.")]
    // PostgreSQL's text cannot hold U+0000: both stores refuse it alike, rather than one storing it and one failing.
    [InlineData("{\"name\":\"ab\\u0000cd\"}", "name must not contain the NUL character (U+0000).")]
    public async Task A_name_gets_one_message_that_names_the_json_field(string body, string message)
    {
        // A blank name is only "required", not also too short; the message names the field as the JSON does.
        var problem = await HttpAssert.ValidationAsync(
            await _client.SendRawAsync(HttpMethod.Post, "/api/categories", body), "name");
        Assert.Equal([message], problem.GetProperty("errors").GetProperty("name").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task Names_of_2_and_150_characters_are_accepted_and_151_is_not()
    {
        var shortName = Guid.NewGuid().ToString("N")[..2];
        Assert.Equal(HttpStatusCode.Created, (await _client.PostJsonAsync("/api/categories", new { name = shortName })).StatusCode);
        var longName = string.Concat(Enumerable.Repeat(Guid.NewGuid().ToString("N"), 5))[..150];
        Assert.Equal(HttpStatusCode.Created, (await _client.PostJsonAsync("/api/categories", new { name = longName })).StatusCode);
        await HttpAssert.ValidationAsync(await _client.PostJsonAsync("/api/categories", new { name = longName + "x" }), "name");
    }

    [Fact]
    public async Task Duplicate_names_ignoring_case_are_409_and_create_nothing()
    {
        var name = BookStoreClient.UniqueName("Drama");
        await _api.CreateCategoryAsync(name);
        var before = await _client.GetStringAsync("/api/categories");
        await HttpAssert.ProblemAsync(await _client.PostJsonAsync("/api/categories", new { name = name.ToUpperInvariant() }), 409);
        Assert.Equal(before, await _client.GetStringAsync("/api/categories"));
    }

    [Fact]
    public async Task Update_answers_204_and_renames_also_in_books()
    {
        var id = await _api.CreateCategoryAsync();
        var book = await _api.CreateBookAsync(id);
        var name = BookStoreClient.UniqueName("Renamed");
        var response = await _client.PutJsonAsync("/api/categories", new { id, name });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var fetched = await HttpAssert.JsonAsync(await _client.GetAsync($"/api/categories/{id}"), HttpStatusCode.OK);
        Assert.Equal(name, fetched.GetProperty("name").GetString());
        var fetchedBook = await HttpAssert.JsonAsync(await _client.GetAsync($"/api/books/{book}"), HttpStatusCode.OK);
        Assert.Equal(name, fetchedBook.GetProperty("categoryName").GetString());
    }

    [Fact]
    public async Task Update_rules_404_409_and_400()
    {
        var taken = BookStoreClient.UniqueName("Taken");
        await _api.CreateCategoryAsync(taken);
        var id = await _api.CreateCategoryAsync();

        await HttpAssert.ProblemAsync(await _client.PutJsonAsync("/api/categories", new { id = 999_999, name = "Whatever" }), 404);
        await HttpAssert.ProblemAsync(await _client.PutJsonAsync("/api/categories", new { id, name = taken }), 409);
        await HttpAssert.ValidationAsync(await _client.PutJsonAsync("/api/categories", new { name = "x" }), "id", "name");
        // renaming to its own name (other case) is not a conflict
        var own = (await HttpAssert.JsonAsync(await _client.GetAsync($"/api/categories/{id}"), HttpStatusCode.OK)).GetProperty("name").GetString()!;
        Assert.Equal(HttpStatusCode.NoContent, (await _client.PutJsonAsync("/api/categories", new { id, name = own.ToUpperInvariant() })).StatusCode);
    }

    [Fact]
    public async Task Delete_answers_204_then_404_and_refuses_a_category_in_use()
    {
        var unused = await _api.CreateCategoryAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/api/categories/{unused}")).StatusCode);
        await HttpAssert.ProblemAsync(await _client.GetAsync($"/api/categories/{unused}"), 404);
        await HttpAssert.ProblemAsync(await _client.DeleteAsync($"/api/categories/{unused}"), 404);

        var used = await _api.CreateCategoryAsync();
        await _api.CreateBookAsync(used);
        await HttpAssert.ProblemAsync(await _client.DeleteAsync($"/api/categories/{used}"), 409);
        await HttpAssert.JsonAsync(await _client.GetAsync($"/api/categories/{used}"), HttpStatusCode.OK);
    }
}

public sealed class CategoryTestsInMemory(InMemoryBookStoreFixture fixture)
    : CategoryTests(fixture), IClassFixture<InMemoryBookStoreFixture>;

public sealed class CategoryTestsOnPostgres(PostgresBookStoreFixture fixture)
    : CategoryTests(fixture), IClassFixture<PostgresBookStoreFixture>;
