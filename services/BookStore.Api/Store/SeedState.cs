using System.Text.Json;

namespace BookStore.Api.Store;

/// <summary>The seed's data file (shared/reference/bookstore-seed-state.json), as stored.</summary>
public sealed record SeedState(
    IReadOnlyList<SeedCategory> Categories,
    IReadOnlyList<SeedBook> Books,
    IReadOnlyList<SeedInventory> Inventories,
    IReadOnlyList<SeedOrder> Orders)
{
    public const string ResourceName = "BookStore.Api.seed-state.json";

    /// <summary>Reads the copy embedded in this assembly.</summary>
    public static SeedState LoadEmbedded()
    {
        using var stream = typeof(SeedState).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing.");
        return JsonSerializer.Deserialize(stream, BookStoreJsonContext.Default.SeedState)
            ?? throw new InvalidOperationException("The seed data is empty.");
    }
}

public sealed record SeedCategory(int Id, string Name);

public sealed record SeedBook(
    int Id, int CategoryId, string Name, string Author, string Description, decimal Value, DateTimeOffset PublishDate);

public sealed record SeedInventory(int BookId, int Amount);

public sealed record SeedOrder(
    int Id, string CustomerName, string Address, string Telephone, string City, string Status,
    decimal TotalAmount, IReadOnlyList<int> Books);
