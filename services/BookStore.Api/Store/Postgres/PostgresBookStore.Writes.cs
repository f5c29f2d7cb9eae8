using BookStore.Api.Domain;
using Npgsql;
using static BookStore.Api.Store.Postgres.PostgresSql;

namespace BookStore.Api.Store.Postgres;

// Book, stock and order writes. Each checks in the order InMemoryBookStore does (missing first,
// then references, then conflicts), so both stores give the same answer to the same request.
public sealed partial class PostgresBookStore
{
    private const string OpenOrdersHolding =
        "SELECT count(*) FROM orders WHERE status = 'NEW_ORDER' AND $1 = ANY (book_ids)";

    public ValueTask<StoreResult<BookWithCategory>> CreateBookAsync(BookDraft draft, CancellationToken ct = default) =>
        WriteAsync(async (connection, commit, ct) =>
        {
            // Inserts nothing when the category is missing: the CTE joins it.
            const string sql = """
                WITH c AS (SELECT id, name FROM categories WHERE id = $1),
                     b AS (INSERT INTO books (category_id, name, author, description, value, publish_date)
                           SELECT c.id, $2, $3, $4, $5, $6 FROM c RETURNING *)
                SELECT b.id, b.category_id, b.name, b.author, b.description, b.value, b.publish_date, c.name FROM b, c
                """;
            commit.Sending();
            return await WriteBookAsync(connection, sql, draft, ct, draft.CategoryId, draft.Name, draft.Author,
                draft.Description, draft.Value, draft.PublishDate) ?? MissingCategory(draft);
        }, ct);

    public ValueTask<StoreResult<BookWithCategory>> UpdateBookAsync(int id, BookDraft draft, CancellationToken ct = default) =>
        WriteAsync(async (connection, commit, ct) =>
        {
            const string sql = """
                WITH c AS (SELECT id, name FROM categories WHERE id = $2)
                UPDATE books b SET category_id = c.id, name = $3, author = $4, description = $5, value = $6, publish_date = $7
                FROM c WHERE b.id = $1
                RETURNING b.id, b.category_id, b.name, b.author, b.description, b.value, b.publish_date, c.name
                """;
            commit.Sending();
            var written = await WriteBookAsync(connection, sql, draft, ct, id, draft.CategoryId, draft.Name,
                draft.Author, draft.Description, draft.Value, draft.PublishDate);
            if (written is { } result)
            {
                return result;
            }
            var exists = await CountAsync(connection, null, "SELECT count(*) FROM books WHERE id = $1", ct, id) > 0;
            return exists ? MissingCategory(draft) : StoreResult<BookWithCategory>.NotFound($"Book {id} does not exist.");
        }, ct);

    public ValueTask<StoreResult<Book>> DeleteBookAsync(int id, CancellationToken ct = default) =>
        WriteAsync(async (connection, commit, ct) =>
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var book = await QuerySingleAsync(connection, tx,
                $"SELECT {BookColumns} FROM {BookFrom} WHERE b.id = $1 FOR UPDATE OF b", ReadBook, ct, id);
            if (book is null)
            {
                return StoreResult<Book>.NotFound($"Book {id} does not exist.");
            }
            var openOrders = await CountAsync(connection, tx, OpenOrdersHolding, ct, id);
            if (openOrders > 0)
            {
                return StoreResult<Book>.Conflict($"Book {id} is on {openOrders} open order(s).");
            }
            // The stock row goes with it (ON DELETE CASCADE); past (cancelled) orders keep its id.
            await ExecuteAsync(connection, tx, "DELETE FROM books WHERE id = $1", ct, id);
            await commit.CommitAsync(tx, ct);
            return StoreResult<Book>.Ok(book.Book);
        }, ct);

    public ValueTask<StoreResult<Inventory>> CreateInventoryAsync(int bookId, int amount, CancellationToken ct = default) =>
        WriteAsync(async (connection, commit, ct) =>
        {
            try
            {
                commit.Sending();
                var inventory = await QuerySingleAsync(connection, null,
                    "INSERT INTO inventories (book_id, amount) SELECT id, $2 FROM books WHERE id = $1 RETURNING book_id, amount",
                    ReadInventory, ct, bookId, amount);
                return inventory is null ? MissingBook(bookId) : StoreResult<Inventory>.Ok(inventory);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                return StoreResult<Inventory>.Conflict($"Book {bookId} already has an inventory row; update it with PUT.");
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
            {
                return MissingBook(bookId); // deleted between the join and the insert
            }
        }, ct);

    public ValueTask<StoreResult<Inventory>> UpdateInventoryAsync(int bookId, int amount, CancellationToken ct = default) =>
        WriteAsync(async (connection, commit, ct) =>
        {
            commit.Sending();
            var inventory = await QuerySingleAsync(connection, null,
                "UPDATE inventories SET amount = $2 WHERE book_id = $1 RETURNING book_id, amount", ReadInventory, ct, bookId, amount);
            return inventory is null
                ? StoreResult<Inventory>.NotFound($"Book {bookId} has no inventory row.")
                : StoreResult<Inventory>.Ok(inventory);
        }, ct);

    public ValueTask<StoreResult<Inventory>> DeleteInventoryAsync(int bookId, CancellationToken ct = default) =>
        WriteAsync(async (connection, commit, ct) =>
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var inventory = await QuerySingleAsync(connection, tx,
                "SELECT book_id, amount FROM inventories WHERE book_id = $1 FOR UPDATE", ReadInventory, ct, bookId);
            if (inventory is null)
            {
                return StoreResult<Inventory>.NotFound($"Book {bookId} has no inventory row.");
            }
            var openOrders = await CountAsync(connection, tx, OpenOrdersHolding, ct, bookId);
            if (openOrders > 0)
            {
                return StoreResult<Inventory>.Conflict($"Book {bookId} is on {openOrders} open order(s).");
            }
            await ExecuteAsync(connection, tx, "DELETE FROM inventories WHERE book_id = $1", ct, bookId);
            await commit.CommitAsync(tx, ct);
            return StoreResult<Inventory>.Ok(inventory);
        }, ct);

    public ValueTask<StoreResult<Order>> PlaceOrderAsync(OrderDraft draft, CancellationToken ct = default) =>
        WriteAsync(async (connection, commit, ct) =>
        {
            var ids = draft.BookIds.ToArray();
            await using var tx = await connection.BeginTransactionAsync(ct);
            // Lock order: books, then their stock rows, each by id (see the class comment).
            var prices = new Dictionary<int, decimal>();
            await QueryEachAsync(connection, tx, "SELECT id, value FROM books WHERE id = ANY ($1) ORDER BY id FOR SHARE",
                r => prices[r.GetInt32(0)] = r.GetDecimal(1), ct, ids);
            var missing = ids.Where(id => !prices.ContainsKey(id)).ToList();
            if (missing.Count > 0)
            {
                return StoreResult<Order>.Invalid("books", $"These books do not exist: {string.Join(", ", missing)}.");
            }
            var stock = new Dictionary<int, int>();
            await QueryEachAsync(connection, tx, "SELECT book_id, amount FROM inventories WHERE book_id = ANY ($1) ORDER BY book_id FOR UPDATE",
                r => stock[r.GetInt32(0)] = r.GetInt32(1), ct, ids);
            var outOfStock = ids.Where(id => stock.GetValueOrDefault(id) < 1).ToList();
            if (outOfStock.Count > 0)
            {
                return StoreResult<Order>.Conflict($"These books are out of stock: {string.Join(", ", outOfStock)}.");
            }

            await ExecuteAsync(connection, tx, "UPDATE inventories SET amount = amount - 1 WHERE book_id = ANY ($1)", ct, ids);
            var total = ids.Sum(id => prices[id]);
            var order = await QuerySingleAsync(connection, tx,
                $"INSERT INTO orders (customer_name, address, telephone, city, status, total_amount, book_ids) VALUES ($1, $2, $3, $4, '{NewOrder}', $5, $6) RETURNING {OrderColumns}",
                ReadOrder, ct, draft.CustomerName, draft.Address, draft.Telephone, draft.City, total, ids);
            await commit.CommitAsync(tx, ct);
            return StoreResult<Order>.Ok(order!);
        }, ct);

    public ValueTask<StoreResult<Order>> CancelOrderAsync(int id, CancellationToken ct = default) =>
        WriteAsync(async (connection, commit, ct) =>
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var order = await QuerySingleAsync(connection, tx, $"SELECT {OrderColumns} FROM orders WHERE id = $1 FOR UPDATE",
                ReadOrder, ct, id);
            if (order is null)
            {
                return StoreResult<Order>.NotFound($"Order {id} does not exist.");
            }
            if (order.Status == OrderStatus.Cancelled)
            {
                return StoreResult<Order>.Conflict($"Order {id} is already cancelled.");
            }
            var ids = order.BookIds.ToArray();
            // Stock rows in id order, as PlaceOrderAsync locks them; an open order's rows cannot have been deleted.
            await ExecuteAsync(connection, tx, "SELECT 1 FROM inventories WHERE book_id = ANY ($1) ORDER BY book_id FOR UPDATE", ct, ids);
            await ExecuteAsync(connection, tx, "UPDATE inventories SET amount = amount + 1 WHERE book_id = ANY ($1)", ct, ids);
            var cancelled = await QuerySingleAsync(connection, tx,
                $"UPDATE orders SET status = '{Cancelled}' WHERE id = $1 RETURNING {OrderColumns}", ReadOrder, ct, id);
            await commit.CommitAsync(tx, ct);
            return StoreResult<Order>.Ok(cancelled!);
        }, ct);

    /// <summary>Runs a book INSERT/UPDATE that yields no row when the category is missing; null then.</summary>
    private static async Task<StoreResult<BookWithCategory>?> WriteBookAsync(
        NpgsqlConnection connection, string sql, BookDraft draft, CancellationToken ct, params object[] args)
    {
        try
        {
            var book = await QuerySingleAsync(connection, null, sql, ReadBook, ct, args);
            return book is null ? null : StoreResult<BookWithCategory>.Ok(book);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return StoreResult<BookWithCategory>.Conflict($"A book named '{draft.Name}' already exists.");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return MissingCategory(draft); // deleted between the join and the write
        }
    }

    private static StoreResult<BookWithCategory> MissingCategory(BookDraft draft) =>
        StoreResult<BookWithCategory>.Invalid("categoryId", $"Category {draft.CategoryId} does not exist.");

    private static StoreResult<Inventory> MissingBook(int bookId) =>
        StoreResult<Inventory>.Invalid("bookId", $"Book {bookId} does not exist.");
}
