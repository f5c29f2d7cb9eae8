using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SeedBookStore;

// The seed's BookStore read path, for `npm run bench:services` to compare the BookStore against. As the seed:
// WebApplication.CreateBuilder with its default logging and the template's log levels (appsettings.json),
// MVC controllers, scoped services and repositories, a scoped DbContext on EF Core's in-memory provider,
// tracking queries. Left out, each of which would only slow it further: the seed's Swagger UI, its
// OpenTelemetry metrics push, AutoMapper (see Controllers.cs) and its write routes (the benchmark only reads).
// /healthz exists so the benchmark can tell when it has started; the seed had none.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddControllers();
builder.Services.AddDbContext<StoreContext>(o => o.UseInMemoryDatabase("BookStore"));
builder.Services.AddScoped<IRepository<Category>, Repository<Category>>();
builder.Services.AddScoped<IRepository<Book>, BookRepository>();
builder.Services.AddScoped<IRepository<Order>, OrderRepository>();
builder.Services.AddScoped(typeof(IReadService<>), typeof(ReadService<>));

var app = builder.Build();
await SeedAsync(app.Services);
app.UseAuthorization();
app.MapControllers();
app.MapGet("/healthz", () => "Healthy");
await app.RunAsync();

// Loads the BookStore's own copy of the seed's final data set (categories, books, orders and their books).
static async Task SeedAsync(IServiceProvider services)
{
    await using var scope = services.CreateAsyncScope();
    var context = scope.ServiceProvider.GetRequiredService<StoreContext>();
    await using var stream = typeof(StoreContext).Assembly.GetManifestResourceStream("seed-state.json")
        ?? throw new InvalidOperationException("The embedded seed-state.json is missing.");
    using var seed = await JsonDocument.ParseAsync(stream);
    var root = seed.RootElement;

    var categories = root.GetProperty("categories").EnumerateArray()
        .Select(c => new Category { Id = c.GetProperty("id").GetInt32(), Name = c.GetProperty("name").GetString()! })
        .ToDictionary(c => c.Id);
    var books = root.GetProperty("books").EnumerateArray().Select(b => new Book
    {
        Id = b.GetProperty("id").GetInt32(),
        Name = b.GetProperty("name").GetString()!,
        Author = b.GetProperty("author").GetString()!,
        Description = b.GetProperty("description").GetString(),
        Value = b.GetProperty("value").GetDouble(),
        PublishDate = b.GetProperty("publishDate").GetDateTime(),
        Category = categories[b.GetProperty("categoryId").GetInt32()],
    }).ToDictionary(b => b.Id);
    var orders = root.GetProperty("orders").EnumerateArray().Select(o => new Order
    {
        Id = o.GetProperty("id").GetInt32(),
        CustomerName = o.GetProperty("customerName").GetString()!,
        Address = o.GetProperty("address").GetString()!,
        Telephone = o.GetProperty("telephone").GetString()!,
        City = o.GetProperty("city").GetString()!,
        Status = o.GetProperty("status").GetString()!,
        TotalAmount = o.GetProperty("totalAmount").GetDouble(),
        Books = o.GetProperty("books").EnumerateArray().Select(id => books[id.GetInt32()]).ToList(),
    });

    context.Categories.AddRange(categories.Values);
    context.Books.AddRange(books.Values);
    context.Orders.AddRange(orders);
    await context.SaveChangesAsync();
}
