using Microsoft.EntityFrameworkCore;

namespace SeedBookStore;

// The seed's layering, one scoped object per layer per request: controller -> service -> repository -> context.

public interface IRepository<TEntity>
{
    Task<List<TEntity>> GetAll();
}

public class Repository<TEntity>(StoreContext context) : IRepository<TEntity> where TEntity : class
{
    protected StoreContext Context { get; } = context;

    public virtual Task<List<TEntity>> GetAll() => Context.Set<TEntity>().ToListAsync();
}

public sealed class BookRepository(StoreContext context) : Repository<Book>(context)
{
    // Tracking query, the category joined, ordered by name: as the seed's repository reads books.
    public override Task<List<Book>> GetAll() => Context.Books.Include(b => b.Category).OrderBy(b => b.Name).ToListAsync();
}

public sealed class OrderRepository(StoreContext context) : Repository<Order>(context)
{
    public override Task<List<Order>> GetAll() => Context.Orders.Include(o => o.Books).ToListAsync();
}

public interface IReadService<TEntity>
{
    Task<IEnumerable<TEntity>> GetAll();
}

public sealed class ReadService<TEntity>(IRepository<TEntity> repository) : IReadService<TEntity>
{
    public async Task<IEnumerable<TEntity>> GetAll() => await repository.GetAll();
}
