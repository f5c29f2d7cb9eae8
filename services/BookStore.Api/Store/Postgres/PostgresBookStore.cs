using BookStore.Api.Domain;
using DotnetFargate.Platform;
using Npgsql;
using static BookStore.Api.Store.Postgres.PostgresSql;

namespace BookStore.Api.Store.Postgres;

/// <summary>
/// The BookStore on PostgreSQL: the same rules as <see cref="InMemoryBookStore"/>, held by the database.
/// <para>
/// Plain ADO.NET (Npgsql), no ORM: every route is one or two statements whose SQL is worth reading
/// next to the rules it enforces, and the hot read (GET /api/books) is one query with no mapping layer.
/// </para>
/// <para>
/// How the rules hold under concurrency (READ COMMITTED, PostgreSQL's default):
/// <list type="bullet">
/// <item>Unique names: unique indexes on <c>upper(name)</c>; a violation (23505) is the 409.</item>
/// <item>References: foreign keys; a write that names a missing row inserts or updates nothing (the
/// statement joins the referenced row), and a race with a delete surfaces as 23503, the same 400.</item>
/// <item>Stock: an order locks its books (<c>FOR SHARE</c>) and their stock rows (<c>FOR UPDATE</c>), both
/// in id order so that two orders never wait on each other in a cycle, checks every row, and only then
/// takes one unit off each; a cancellation locks its order row, so a second cancel waits and then sees
/// CANCELLED. Row locks rather than one conditional UPDATE, because an order is all-or-nothing across
/// several books and must say which ones were missing or out of stock; the CHECK (amount &gt;= 0) is
/// the backstop.</item>
/// <item>Deleting a book or a stock row locks it, then counts open orders holding it: an order placed
/// concurrently either committed first (and is counted) or waits for the delete (and finds nothing).</item>
/// </list>
/// </para>
/// Connection failures become <see cref="DependencyUnavailableException"/> (503 with Retry-After); the
/// pool is cleared on them, so that service resumes on fresh connections once the database is back.
/// </summary>
public sealed partial class PostgresBookStore(
    NpgsqlDataSource dataSource, PostgresReadiness readiness, PostgresStoreOptions options) : IBookStore
{
    private const string BookColumns =
        "b.id, b.category_id, b.name, b.author, b.description, b.value, b.publish_date, c.name";
    private const string BookFrom = "books b JOIN categories c ON c.id = b.category_id";
    // Ordinal, case-insensitive first, then ordinal: the order InMemoryBookStore keeps.
    private const string BookOrder = "ORDER BY upper(b.name) COLLATE \"C\", b.name COLLATE \"C\"";
    private const string OrderColumns = "id, customer_name, address, telephone, city, status, total_amount, book_ids";
    private const string NewOrder = "NEW_ORDER";
    private const string Cancelled = "CANCELLED";

    // ---- categories ----

    public ValueTask<IReadOnlyList<Category>> GetCategoriesAsync(CancellationToken ct = default) =>
        ListAsync("SELECT id, name FROM categories ORDER BY id", ReadCategory, ct);

    public ValueTask<Category?> GetCategoryAsync(int id, CancellationToken ct = default) =>
        SingleAsync("SELECT id, name FROM categories WHERE id = $1", ReadCategory, ct, id);

    public ValueTask<IReadOnlyList<Category>> SearchCategoriesAsync(string text, CancellationToken ct = default) =>
        ListAsync("SELECT id, name FROM categories WHERE strpos(upper(name), upper($1)) > 0 ORDER BY id", ReadCategory, ct, text);

    public ValueTask<StoreResult<Category>> CreateCategoryAsync(string name, CancellationToken ct = default) =>
        WriteAsync(async (connection, commit, ct) =>
        {
            try
            {
                commit.Sending();
                var category = await QuerySingleAsync(connection, null,
                    "INSERT INTO categories (name) VALUES ($1) RETURNING id, name", ReadCategory, ct, name);
                return StoreResult<Category>.Ok(category!);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                return StoreResult<Category>.Conflict($"A category named '{name}' already exists.");
            }
        }, ct);

    public ValueTask<StoreResult<Category>> UpdateCategoryAsync(int id, string name, CancellationToken ct = default) =>
        WriteAsync(async (connection, commit, ct) =>
        {
            try
            {
                commit.Sending();
                var category = await QuerySingleAsync(connection, null,
                    "UPDATE categories SET name = $2 WHERE id = $1 RETURNING id, name", ReadCategory, ct, id, name);
                return category is null
                    ? StoreResult<Category>.NotFound($"Category {id} does not exist.")
                    : StoreResult<Category>.Ok(category);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                return StoreResult<Category>.Conflict($"A category named '{name}' already exists.");
            }
        }, ct);

    public ValueTask<StoreResult<Category>> DeleteCategoryAsync(int id, CancellationToken ct = default) =>
        WriteAsync(async (connection, commit, ct) =>
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var category = await QuerySingleAsync(connection, tx,
                "SELECT id, name FROM categories WHERE id = $1 FOR UPDATE", ReadCategory, ct, id);
            if (category is null)
            {
                return StoreResult<Category>.NotFound($"Category {id} does not exist.");
            }
            var used = await CountAsync(connection, tx, "SELECT count(*) FROM books WHERE category_id = $1", ct, id);
            if (used > 0)
            {
                return StoreResult<Category>.Conflict($"Category {id} is used by {used} book(s).");
            }
            await ExecuteAsync(connection, tx, "DELETE FROM categories WHERE id = $1", ct, id);
            await commit.CommitAsync(tx, ct);
            return StoreResult<Category>.Ok(category);
        }, ct);

    // ---- books: reads ----

    public ValueTask<IReadOnlyList<BookWithCategory>> GetBooksAsync(CancellationToken ct = default) =>
        ListAsync($"SELECT {BookColumns} FROM {BookFrom} {BookOrder}", ReadBook, ct);

    public ValueTask<BookWithCategory?> GetBookAsync(int id, CancellationToken ct = default) =>
        SingleAsync($"SELECT {BookColumns} FROM {BookFrom} WHERE b.id = $1", ReadBook, ct, id);

    public ValueTask<IReadOnlyList<BookWithCategory>?> GetBooksByCategoryAsync(int categoryId, CancellationToken ct = default) =>
        RunAsync<IReadOnlyList<BookWithCategory>?>(async (connection, ct) =>
        {
            // One round trip: the category's row, joined to its books if it has any. No row at all means no such
            // category (null: 404); one row without a book means a category with no books (an empty list).
            var found = false;
            var books = new List<BookWithCategory>();
            await QueryEachAsync(connection, null,
                $"SELECT {BookColumns} FROM categories c LEFT JOIN books b ON b.category_id = c.id WHERE c.id = $1 {BookOrder}",
                r =>
                {
                    found = true;
                    if (!r.IsDBNull(0))
                    {
                        books.Add(ReadBook(r));
                    }
                }, ct, categoryId);
            return found ? books : null;
        }, ct);

    public ValueTask<IReadOnlyList<BookWithCategory>> SearchBooksAsync(string text, CancellationToken ct = default) =>
        ListAsync($"SELECT {BookColumns} FROM {BookFrom} WHERE strpos(upper(b.name), upper($1)) > 0 {BookOrder}",
            ReadBook, ct, text);

    public ValueTask<IReadOnlyList<BookWithCategory>> SearchBooksWithCategoryAsync(string text, CancellationToken ct = default) =>
        ListAsync($"SELECT {BookColumns} FROM {BookFrom} WHERE strpos(upper(b.name), upper($1)) > 0 OR strpos(upper(c.name), upper($1)) > 0 {BookOrder}",
            ReadBook, ct, text);

    // ---- inventories: reads ----

    public ValueTask<Inventory?> GetInventoryAsync(int bookId, CancellationToken ct = default) =>
        SingleAsync("SELECT book_id, amount FROM inventories WHERE book_id = $1", ReadInventory, ct, bookId);

    public ValueTask<Inventory?> GetInventoryByBookNameAsync(string bookName, CancellationToken ct = default) =>
        SingleAsync("SELECT i.book_id, i.amount FROM books b JOIN inventories i ON i.book_id = b.id WHERE upper(b.name) = upper($1)",
            ReadInventory, ct, bookName);

    // ---- orders: reads ----

    public ValueTask<IReadOnlyList<Order>> GetOrdersAsync(CancellationToken ct = default) =>
        ListAsync($"SELECT {OrderColumns} FROM orders ORDER BY id", ReadOrder, ct);

    public ValueTask<Order?> GetOrderAsync(int id, CancellationToken ct = default) =>
        SingleAsync($"SELECT {OrderColumns} FROM orders WHERE id = $1", ReadOrder, ct, id);

    // ---- row readers ----

    private static Category ReadCategory(NpgsqlDataReader r) => new(r.GetInt32(0), r.GetString(1));

    private static BookWithCategory ReadBook(NpgsqlDataReader r) => new(
        new Book(r.GetInt32(0), r.GetInt32(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetDecimal(5),
            // timestamptz reads as UTC; said outright, so the JSON always carries its Z whatever Npgsql gives.
            DateTime.SpecifyKind(r.GetDateTime(6), DateTimeKind.Utc)),
        r.GetString(7));

    private static Inventory ReadInventory(NpgsqlDataReader r) => new(r.GetInt32(0), r.GetInt32(1));

    private static Order ReadOrder(NpgsqlDataReader r) => new(
        r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
        r.GetString(5) == Cancelled ? OrderStatus.Cancelled : OrderStatus.New,
        r.GetDecimal(6), r.GetFieldValue<int[]>(7));
}
