using Microsoft.EntityFrameworkCore;

namespace SeedBookStore;

// The seed's entities: mutable classes with navigation properties both ways, an order's books as a
// many-to-many relation, money and dates as double and DateTime.
public sealed class Category
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public List<Book> Books { get; set; } = [];
}

public sealed class Book
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public string Author { get; set; } = "";
    public string? Description { get; set; }
    public double Value { get; set; }
    public DateTime PublishDate { get; set; }
    public int CategoryId { get; set; }
    public Category? Category { get; set; }
    public List<Order> Orders { get; set; } = [];
}

public sealed class Order
{
    public int Id { get; set; }
    public string CustomerName { get; set; } = "";
    public string Address { get; set; } = "";
    public string Telephone { get; set; } = "";
    public string City { get; set; } = "";
    public double TotalAmount { get; set; }
    public string Status { get; set; } = "";
    public List<Book> Books { get; set; } = [];
}

public sealed class StoreContext(DbContextOptions<StoreContext> options) : DbContext(options)
{
    public DbSet<Category> Categories => Set<Category>();
    public DbSet<Book> Books => Set<Book>();
    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Book>().HasOne(b => b.Category).WithMany(c => c.Books).HasForeignKey(b => b.CategoryId);
        modelBuilder.Entity<Book>().HasMany(b => b.Orders).WithMany(o => o.Books);
    }
}
