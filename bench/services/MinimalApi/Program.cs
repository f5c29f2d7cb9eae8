using System.Text.Json;

// What a team would write first for the BookStore's hot read, as the ASP.NET Core template has it:
// WebApplication.CreateBuilder with its default logging and the template's log levels, one MapGet returning the
// list, reflection-based JSON with the web defaults (camelCase). The books are read once at start-up from the
// BookStore's seed data and answered as the BookStore answers GET /api/books: joined with their category, by name.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

var books = LoadBooks();
app.MapGet("/api/books", () => books);
app.MapGet("/healthz", () => "Healthy");
app.Run();

static List<BookResponse> LoadBooks()
{
    using var stream = typeof(BookResponse).Assembly.GetManifestResourceStream("seed-state.json")
        ?? throw new InvalidOperationException("The embedded seed-state.json is missing.");
    var seed = JsonSerializer.Deserialize<Seed>(stream, JsonSerializerOptions.Web)
        ?? throw new InvalidOperationException("The embedded seed-state.json is empty.");
    var categories = seed.Categories.ToDictionary(c => c.Id, c => c.Name);
    return seed.Books
        .Select(b => new BookResponse(b.Id, b.CategoryId, categories[b.CategoryId], b.Name, b.Author, b.Description, b.Value,
            b.PublishDate.UtcDateTime))
        .OrderBy(b => b.Name, StringComparer.OrdinalIgnoreCase)
        .ThenBy(b => b.Name, StringComparer.Ordinal)
        .ToList();
}

internal sealed record Seed(List<SeedCategory> Categories, List<SeedBook> Books);
internal sealed record SeedCategory(int Id, string Name);
internal sealed record SeedBook(int Id, int CategoryId, string Name, string Author, string Description, decimal Value, DateTimeOffset PublishDate);
internal sealed record BookResponse(int Id, int CategoryId, string CategoryName, string Name, string Author, string Description, decimal Value, DateTime PublishDate);
