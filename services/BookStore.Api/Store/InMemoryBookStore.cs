using BookStore.Api.Domain;

namespace BookStore.Api.Store;

/// <summary>
/// The default store: everything in memory, as in the seed's benchmark.
/// <para>
/// Concurrency: one lock guards the whole store, and every method, read or write, runs under it
/// from its first check to its last change. A write therefore sees a state no other request can
/// change before it finishes, which makes each rule (unique names, stock never below zero, an order
/// taking min(N, S) of S units, a cancellation restoring stock once) as easy to check as in
/// single-threaded code. Writes check everything first and only then change anything, so a
/// rejected request leaves no trace. Entities are immutable records, so values returned to the
/// caller stay valid after the lock is released. The critical sections are microseconds long; one
/// lock is cheaper here than the reasoning finer locks would need.
/// </para>
/// </summary>
public sealed class InMemoryBookStore : IBookStore
{
    private static readonly StringComparer NameComparer = StringComparer.OrdinalIgnoreCase;

    private readonly Lock _gate = new();
    private readonly SortedDictionary<int, Category> _categories = [];
    private readonly Dictionary<int, Book> _books = [];
    private readonly Dictionary<int, Inventory> _inventories = [];
    private readonly SortedDictionary<int, Order> _orders = [];
    private int _nextCategoryId = 1;
    private int _nextBookId = 1;
    private int _nextOrderId = 1;

    // Read-mostly views, rebuilt after a change; GET /api/books is the benchmark's hot path.
    private IReadOnlyList<Category>? _categoryView;
    private IReadOnlyList<BookWithCategory>? _bookView;
    private IReadOnlyList<Order>? _orderView;

    public InMemoryBookStore(SeedState? seed = null)
    {
        if (seed is not null)
        {
            Load(seed);
        }
    }

    // ---- categories ----

    public ValueTask<IReadOnlyList<Category>> GetCategoriesAsync(CancellationToken ct = default)
    {
        lock (_gate)
        {
            return new(_categoryView ??= [.. _categories.Values]);
        }
    }

    public ValueTask<Category?> GetCategoryAsync(int id, CancellationToken ct = default)
    {
        lock (_gate)
        {
            return new(_categories.GetValueOrDefault(id));
        }
    }

    public ValueTask<IReadOnlyList<Category>> SearchCategoriesAsync(string text, CancellationToken ct = default)
    {
        lock (_gate)
        {
            IReadOnlyList<Category> found =
                [.. _categories.Values.Where(c => c.Name.Contains(text, StringComparison.OrdinalIgnoreCase))];
            return new(found);
        }
    }

    public ValueTask<StoreResult<Category>> CreateCategoryAsync(string name, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (CategoryNameTaken(name, exceptId: null))
            {
                return new(StoreResult<Category>.Conflict($"A category named '{name}' already exists."));
            }

            var category = new Category(_nextCategoryId++, name);
            _categories.Add(category.Id, category);
            CategoriesChanged();
            return new(StoreResult<Category>.Ok(category));
        }
    }

    public ValueTask<StoreResult<Category>> UpdateCategoryAsync(int id, string name, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (!_categories.ContainsKey(id))
            {
                return new(StoreResult<Category>.NotFound($"Category {id} does not exist."));
            }
            if (CategoryNameTaken(name, exceptId: id))
            {
                return new(StoreResult<Category>.Conflict($"A category named '{name}' already exists."));
            }

            var category = new Category(id, name);
            _categories[id] = category;
            CategoriesChanged();
            return new(StoreResult<Category>.Ok(category));
        }
    }

    public ValueTask<StoreResult<Category>> DeleteCategoryAsync(int id, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (!_categories.TryGetValue(id, out var category))
            {
                return new(StoreResult<Category>.NotFound($"Category {id} does not exist."));
            }
            var used = _books.Values.Count(b => b.CategoryId == id);
            if (used > 0)
            {
                return new(StoreResult<Category>.Conflict($"Category {id} is used by {used} book(s)."));
            }

            _categories.Remove(id);
            CategoriesChanged();
            return new(StoreResult<Category>.Ok(category));
        }
    }

    // ---- books ----

    public ValueTask<IReadOnlyList<BookWithCategory>> GetBooksAsync(CancellationToken ct = default)
    {
        lock (_gate)
        {
            return new(BookView());
        }
    }

    public ValueTask<BookWithCategory?> GetBookAsync(int id, CancellationToken ct = default)
    {
        lock (_gate)
        {
            return new(_books.TryGetValue(id, out var book) ? WithCategory(book) : null);
        }
    }

    public ValueTask<IReadOnlyList<BookWithCategory>?> GetBooksByCategoryAsync(int categoryId, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (!_categories.ContainsKey(categoryId))
            {
                return new((IReadOnlyList<BookWithCategory>?)null);
            }
            IReadOnlyList<BookWithCategory> found = [.. BookView().Where(b => b.Book.CategoryId == categoryId)];
            return new(found);
        }
    }

    public ValueTask<IReadOnlyList<BookWithCategory>> SearchBooksAsync(string text, CancellationToken ct = default)
    {
        lock (_gate)
        {
            IReadOnlyList<BookWithCategory> found =
                [.. BookView().Where(b => b.Book.Name.Contains(text, StringComparison.OrdinalIgnoreCase))];
            return new(found);
        }
    }

    public ValueTask<IReadOnlyList<BookWithCategory>> SearchBooksWithCategoryAsync(string text, CancellationToken ct = default)
    {
        lock (_gate)
        {
            IReadOnlyList<BookWithCategory> found = [.. BookView().Where(b =>
                b.Book.Name.Contains(text, StringComparison.OrdinalIgnoreCase)
                || b.CategoryName.Contains(text, StringComparison.OrdinalIgnoreCase))];
            return new(found);
        }
    }

    public ValueTask<StoreResult<BookWithCategory>> CreateBookAsync(BookDraft draft, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var rejected = CheckBook(draft, exceptId: null);
            if (rejected is { } r)
            {
                return new(r);
            }

            var book = new Book(_nextBookId++, draft.CategoryId, draft.Name, draft.Author, draft.Description,
                draft.Value, draft.PublishDate);
            _books.Add(book.Id, book);
            BooksChanged();
            return new(StoreResult<BookWithCategory>.Ok(WithCategory(book)));
        }
    }

    public ValueTask<StoreResult<BookWithCategory>> UpdateBookAsync(int id, BookDraft draft, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (!_books.ContainsKey(id))
            {
                return new(StoreResult<BookWithCategory>.NotFound($"Book {id} does not exist."));
            }
            var rejected = CheckBook(draft, exceptId: id);
            if (rejected is { } r)
            {
                return new(r);
            }

            var book = new Book(id, draft.CategoryId, draft.Name, draft.Author, draft.Description,
                draft.Value, draft.PublishDate);
            _books[id] = book;
            BooksChanged();
            return new(StoreResult<BookWithCategory>.Ok(WithCategory(book)));
        }
    }

    public ValueTask<StoreResult<Book>> DeleteBookAsync(int id, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (!_books.TryGetValue(id, out var book))
            {
                return new(StoreResult<Book>.NotFound($"Book {id} does not exist."));
            }
            var openOrders = OpenOrdersHolding(id);
            if (openOrders > 0)
            {
                return new(StoreResult<Book>.Conflict($"Book {id} is on {openOrders} open order(s)."));
            }

            // The book's stock row goes with it; past (cancelled) orders keep its id.
            _books.Remove(id);
            _inventories.Remove(id);
            BooksChanged();
            return new(StoreResult<Book>.Ok(book));
        }
    }

    // ---- inventories ----

    public ValueTask<Inventory?> GetInventoryAsync(int bookId, CancellationToken ct = default)
    {
        lock (_gate)
        {
            return new(_inventories.GetValueOrDefault(bookId));
        }
    }

    public ValueTask<Inventory?> GetInventoryByBookNameAsync(string bookName, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var book = _books.Values.FirstOrDefault(b => NameComparer.Equals(b.Name, bookName));
            return new(book is null ? null : _inventories.GetValueOrDefault(book.Id));
        }
    }

    public ValueTask<StoreResult<Inventory>> CreateInventoryAsync(int bookId, int amount, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (!_books.ContainsKey(bookId))
            {
                return new(StoreResult<Inventory>.Invalid("bookId", $"Book {bookId} does not exist."));
            }
            if (_inventories.ContainsKey(bookId))
            {
                return new(StoreResult<Inventory>.Conflict($"Book {bookId} already has an inventory row; update it with PUT."));
            }

            var inventory = new Inventory(bookId, amount);
            _inventories.Add(bookId, inventory);
            return new(StoreResult<Inventory>.Ok(inventory));
        }
    }

    public ValueTask<StoreResult<Inventory>> UpdateInventoryAsync(int bookId, int amount, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (!_inventories.ContainsKey(bookId))
            {
                return new(StoreResult<Inventory>.NotFound($"Book {bookId} has no inventory row."));
            }

            var inventory = new Inventory(bookId, amount);
            _inventories[bookId] = inventory;
            return new(StoreResult<Inventory>.Ok(inventory));
        }
    }

    public ValueTask<StoreResult<Inventory>> DeleteInventoryAsync(int bookId, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (!_inventories.TryGetValue(bookId, out var inventory))
            {
                return new(StoreResult<Inventory>.NotFound($"Book {bookId} has no inventory row."));
            }
            var openOrders = OpenOrdersHolding(bookId);
            if (openOrders > 0)
            {
                return new(StoreResult<Inventory>.Conflict($"Book {bookId} is on {openOrders} open order(s)."));
            }

            _inventories.Remove(bookId);
            return new(StoreResult<Inventory>.Ok(inventory));
        }
    }

    // ---- orders ----

    public ValueTask<IReadOnlyList<Order>> GetOrdersAsync(CancellationToken ct = default)
    {
        lock (_gate)
        {
            return new(_orderView ??= [.. _orders.Values]);
        }
    }

    public ValueTask<Order?> GetOrderAsync(int id, CancellationToken ct = default)
    {
        lock (_gate)
        {
            return new(_orders.GetValueOrDefault(id));
        }
    }

    public ValueTask<StoreResult<Order>> PlaceOrderAsync(OrderDraft draft, CancellationToken ct = default)
    {
        lock (_gate)
        {
            // Check every book before touching any stock.
            var missing = draft.BookIds.Where(id => !_books.ContainsKey(id)).ToList();
            if (missing.Count > 0)
            {
                return new(StoreResult<Order>.Invalid("books", $"These books do not exist: {string.Join(", ", missing)}."));
            }
            var outOfStock = draft.BookIds
                .Where(id => !_inventories.TryGetValue(id, out var inv) || inv.Amount < 1)
                .ToList();
            if (outOfStock.Count > 0)
            {
                return new(StoreResult<Order>.Conflict($"These books are out of stock: {string.Join(", ", outOfStock)}."));
            }

            var total = 0m;
            foreach (var id in draft.BookIds)
            {
                var inventory = _inventories[id];
                _inventories[id] = inventory with { Amount = inventory.Amount - 1 };
                total += _books[id].Value;
            }

            var order = new Order(_nextOrderId++, draft.CustomerName, draft.Address, draft.Telephone, draft.City,
                OrderStatus.New, total, [.. draft.BookIds]);
            _orders.Add(order.Id, order);
            _orderView = null;
            return new(StoreResult<Order>.Ok(order));
        }
    }

    public ValueTask<StoreResult<Order>> CancelOrderAsync(int id, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (!_orders.TryGetValue(id, out var order))
            {
                return new(StoreResult<Order>.NotFound($"Order {id} does not exist."));
            }
            if (order.Status == OrderStatus.Cancelled)
            {
                return new(StoreResult<Order>.Conflict($"Order {id} is already cancelled."));
            }

            // An open order's books and stock rows cannot be deleted, so every row is still here.
            foreach (var bookId in order.BookIds)
            {
                var inventory = _inventories[bookId];
                _inventories[bookId] = inventory with { Amount = inventory.Amount + 1 };
            }
            var cancelled = order with { Status = OrderStatus.Cancelled };
            _orders[id] = cancelled;
            _orderView = null;
            return new(StoreResult<Order>.Ok(cancelled));
        }
    }

    // ---- helpers (called with the lock held) ----

    private bool CategoryNameTaken(string name, int? exceptId) =>
        _categories.Values.Any(c => c.Id != exceptId && NameComparer.Equals(c.Name, name));

    private StoreResult<BookWithCategory>? CheckBook(BookDraft draft, int? exceptId)
    {
        if (!_categories.ContainsKey(draft.CategoryId))
        {
            return StoreResult<BookWithCategory>.Invalid("categoryId", $"Category {draft.CategoryId} does not exist.");
        }
        if (_books.Values.Any(b => b.Id != exceptId && NameComparer.Equals(b.Name, draft.Name)))
        {
            return StoreResult<BookWithCategory>.Conflict($"A book named '{draft.Name}' already exists.");
        }
        return null;
    }

    private int OpenOrdersHolding(int bookId) =>
        _orders.Values.Count(o => o.Status == OrderStatus.New && o.BookIds.Contains(bookId));

    private BookWithCategory WithCategory(Book book) => new(book, _categories[book.CategoryId].Name);

    private IReadOnlyList<BookWithCategory> BookView() =>
        _bookView ??= [.. _books.Values
            .OrderBy(b => b.Name, StringComparer.OrdinalIgnoreCase)
            .ThenBy(b => b.Name, StringComparer.Ordinal)
            .Select(WithCategory)];

    private void CategoriesChanged()
    {
        _categoryView = null;
        _bookView = null; // books carry their category's name
    }

    private void BooksChanged() => _bookView = null;

    private void Load(SeedState seed)
    {
        foreach (var c in seed.Categories)
        {
            _categories.Add(c.Id, new Category(c.Id, c.Name));
        }
        foreach (var b in seed.Books)
        {
            if (!_categories.ContainsKey(b.CategoryId))
            {
                throw new InvalidOperationException($"Seed book {b.Id} refers to missing category {b.CategoryId}.");
            }
            _books.Add(b.Id, new Book(b.Id, b.CategoryId, b.Name, b.Author, b.Description, b.Value,
                DateTime.SpecifyKind(b.PublishDate.UtcDateTime, DateTimeKind.Utc)));
        }
        foreach (var i in seed.Inventories)
        {
            _inventories.Add(i.BookId, new Inventory(i.BookId, i.Amount));
        }
        foreach (var o in seed.Orders)
        {
            var status = o.Status switch
            {
                "NEW_ORDER" => OrderStatus.New,
                "CANCELLED" => OrderStatus.Cancelled,
                _ => throw new InvalidOperationException($"Seed order {o.Id} has unknown status '{o.Status}'."),
            };
            _orders.Add(o.Id, new Order(o.Id, o.CustomerName, o.Address, o.Telephone, o.City, status,
                o.TotalAmount, [.. o.Books]));
        }

        _nextCategoryId = _categories.Count == 0 ? 1 : _categories.Keys.Max() + 1;
        _nextBookId = _books.Count == 0 ? 1 : _books.Keys.Max() + 1;
        _nextOrderId = _orders.Count == 0 ? 1 : _orders.Keys.Max() + 1;
    }
}
