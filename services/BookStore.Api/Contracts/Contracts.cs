namespace BookStore.Api.Contracts;

// Wire shapes. Responses keep the seed's JSON so its load tests run unchanged; every request field
// is nullable so a missing field is reported by the validator by name instead of failing to bind.

public sealed record CategoryResponse(int Id, string Name);

public sealed record BookResponse(
    int Id,
    int CategoryId,
    string CategoryName,
    string Name,
    string Author,
    string Description,
    decimal Value,
    DateTime PublishDate);

public sealed record InventoryResponse(int BookId, int Amount);

public sealed record OrderResponse(
    int Id,
    string CustomerName,
    string Address,
    string Telephone,
    string City,
    string Status,
    decimal TotalAmount,
    IReadOnlyList<int> Books);

public sealed record CreateCategoryRequest(string? Name);

public sealed record UpdateCategoryRequest(int? Id, string? Name);

public sealed record CreateBookRequest(
    int? CategoryId, string? Name, string? Author, string? Description, decimal? Value, DateTime? PublishDate);

public sealed record UpdateBookRequest(
    int? Id, int? CategoryId, string? Name, string? Author, string? Description, decimal? Value, DateTime? PublishDate);

public sealed record InventoryRequest(int? BookId, int? Amount);

public sealed record CreateOrderRequest(
    string? CustomerName, string? Address, string? Telephone, string? City, IReadOnlyList<int>? Books);
