using static BookStore.Api.Endpoints.RequestValidation;

namespace BookStore.Api.Contracts;

// Wire shapes. Responses keep the seed's JSON so its load tests run unchanged; every request field
// is nullable so a missing field is reported by the validator by name instead of failing to bind. The rules on
// the requests (RequestRules.cs) are checked in declaration order, which is the order of a 400's `errors`.

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

public sealed record CreateCategoryRequest(
    [FieldRequired, TrimmedLength(NameMin, NameMax)] string? Name);

public sealed record UpdateCategoryRequest(
    [FieldRequired, PositiveId] int? Id,
    [FieldRequired, TrimmedLength(NameMin, NameMax)] string? Name);

public sealed record CreateBookRequest(
    [FieldRequired, PositiveId] int? CategoryId,
    [FieldRequired, TrimmedLength(NameMin, NameMax)] string? Name,
    [FieldRequired, TrimmedLength(1, NameMax)] string? Author,
    [MaxTextLength(DescriptionMax)] string? Description,
    [FieldRequired, Money(MaxValue)] decimal? Value,
    [FieldRequired, InThePast] DateTime? PublishDate);

public sealed record UpdateBookRequest(
    [FieldRequired, PositiveId] int? Id,
    [FieldRequired, PositiveId] int? CategoryId,
    [FieldRequired, TrimmedLength(NameMin, NameMax)] string? Name,
    [FieldRequired, TrimmedLength(1, NameMax)] string? Author,
    [MaxTextLength(DescriptionMax)] string? Description,
    [FieldRequired, Money(MaxValue)] decimal? Value,
    [FieldRequired, InThePast] DateTime? PublishDate);

public sealed record InventoryRequest(
    [FieldRequired, PositiveId] int? BookId,
    [FieldRequired, WholeRange(0, MaxStock)] int? Amount);

public sealed record CreateOrderRequest(
    [FieldRequired, TrimmedLength(NameMin, NameMax)] string? CustomerName,
    [FieldRequired, TrimmedLength(1, AddressMax)] string? Address,
    [FieldRequired, TrimmedLength(1, TelephoneMax)] string? Telephone,
    [FieldRequired, TrimmedLength(1, CityMax)] string? City,
    [FieldRequired("{0} must list at least one book id."), AtMostItems(MaxBooksPerOrder), AllPositiveIds, DistinctIds]
    IReadOnlyList<int>? Books);
