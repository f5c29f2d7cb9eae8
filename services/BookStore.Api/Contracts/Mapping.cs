using BookStore.Api.Domain;

namespace BookStore.Api.Contracts;

public static class Mapping
{
    public const string NewOrderStatus = "NEW_ORDER";
    public const string CancelledStatus = "CANCELLED";

    public static CategoryResponse ToResponse(this Category c) => new(c.Id, c.Name);

    public static BookResponse ToResponse(this BookWithCategory b) => new(
        b.Book.Id, b.Book.CategoryId, b.CategoryName, b.Book.Name, b.Book.Author, b.Book.Description,
        b.Book.Value, b.Book.PublishDate);

    public static InventoryResponse ToResponse(this Inventory i) => new(i.BookId, i.Amount);

    public static OrderResponse ToResponse(this Order o) => new(
        o.Id, o.CustomerName, o.Address, o.Telephone, o.City,
        o.Status == OrderStatus.Cancelled ? CancelledStatus : NewOrderStatus,
        o.TotalAmount, o.BookIds);

    public static List<TOut> MapAll<TIn, TOut>(this IReadOnlyList<TIn> items, Func<TIn, TOut> map)
    {
        var list = new List<TOut>(items.Count);
        foreach (var item in items)
        {
            list.Add(map(item));
        }
        return list;
    }
}
