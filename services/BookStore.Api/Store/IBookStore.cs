using BookStore.Api.Domain;

namespace BookStore.Api.Store;

/// <summary>
/// The BookStore's data and its rules that depend on other data (uniqueness, references, stock).
/// Every write either applies completely or changes nothing. Asynchronous so that a database-backed
/// implementation can replace the in-memory one without touching the endpoints.
/// </summary>
public interface IBookStore
{
    ValueTask<IReadOnlyList<Category>> GetCategoriesAsync(CancellationToken ct = default);
    ValueTask<Category?> GetCategoryAsync(int id, CancellationToken ct = default);
    ValueTask<IReadOnlyList<Category>> SearchCategoriesAsync(string text, CancellationToken ct = default);
    ValueTask<StoreResult<Category>> CreateCategoryAsync(string name, CancellationToken ct = default);
    ValueTask<StoreResult<Category>> UpdateCategoryAsync(int id, string name, CancellationToken ct = default);
    ValueTask<StoreResult<Category>> DeleteCategoryAsync(int id, CancellationToken ct = default);

    /// <summary>All books, ordered by name.</summary>
    ValueTask<IReadOnlyList<BookWithCategory>> GetBooksAsync(CancellationToken ct = default);
    ValueTask<BookWithCategory?> GetBookAsync(int id, CancellationToken ct = default);
    /// <summary>Null when the category does not exist.</summary>
    ValueTask<IReadOnlyList<BookWithCategory>?> GetBooksByCategoryAsync(int categoryId, CancellationToken ct = default);
    ValueTask<IReadOnlyList<BookWithCategory>> SearchBooksAsync(string text, CancellationToken ct = default);
    ValueTask<IReadOnlyList<BookWithCategory>> SearchBooksWithCategoryAsync(string text, CancellationToken ct = default);
    ValueTask<StoreResult<BookWithCategory>> CreateBookAsync(BookDraft draft, CancellationToken ct = default);
    ValueTask<StoreResult<BookWithCategory>> UpdateBookAsync(int id, BookDraft draft, CancellationToken ct = default);
    ValueTask<StoreResult<Book>> DeleteBookAsync(int id, CancellationToken ct = default);

    ValueTask<Inventory?> GetInventoryAsync(int bookId, CancellationToken ct = default);
    ValueTask<Inventory?> GetInventoryByBookNameAsync(string bookName, CancellationToken ct = default);
    ValueTask<StoreResult<Inventory>> CreateInventoryAsync(int bookId, int amount, CancellationToken ct = default);
    ValueTask<StoreResult<Inventory>> UpdateInventoryAsync(int bookId, int amount, CancellationToken ct = default);
    ValueTask<StoreResult<Inventory>> DeleteInventoryAsync(int bookId, CancellationToken ct = default);

    ValueTask<IReadOnlyList<Order>> GetOrdersAsync(CancellationToken ct = default);
    ValueTask<Order?> GetOrderAsync(int id, CancellationToken ct = default);
    /// <summary>Takes one of each book off the stock, or nothing if any book is missing or out of stock.</summary>
    ValueTask<StoreResult<Order>> PlaceOrderAsync(OrderDraft draft, CancellationToken ct = default);
    /// <summary>Marks the order cancelled and puts its books back, once; a second cancel is a conflict.</summary>
    ValueTask<StoreResult<Order>> CancelOrderAsync(int id, CancellationToken ct = default);
}
