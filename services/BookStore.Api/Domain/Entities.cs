namespace BookStore.Api.Domain;

// Immutable entities: the store swaps whole values under its lock, so a value handed out is
// never changed afterwards and needs no copy.

public sealed record Category(int Id, string Name);

public sealed record Book(
    int Id,
    int CategoryId,
    string Name,
    string Author,
    string Description,
    decimal Value,
    DateTime PublishDate);

/// <summary>A book together with its category's name, as the read routes return it.</summary>
public sealed record BookWithCategory(Book Book, string CategoryName);

public sealed record Inventory(int BookId, int Amount);

public enum OrderStatus
{
    New,
    Cancelled,
}

public sealed record Order(
    int Id,
    string CustomerName,
    string Address,
    string Telephone,
    string City,
    OrderStatus Status,
    decimal TotalAmount,
    IReadOnlyList<int> BookIds);

/// <summary>A validated book, before the store checks it against the other data.</summary>
public sealed record BookDraft(
    int CategoryId, string Name, string Author, string Description, decimal Value, DateTime PublishDate);

/// <summary>A validated order, before the store checks the books and the stock.</summary>
public sealed record OrderDraft(
    string CustomerName, string Address, string Telephone, string City, IReadOnlyList<int> BookIds);
