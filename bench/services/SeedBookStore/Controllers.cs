using System.Globalization;
using Microsoft.AspNetCore.Mvc;

namespace SeedBookStore;

// Result shapes as the seed's DTOs (an order's total as a string, its books as ids). The seed mapped with
// AutoMapper; these map by hand (AutoMapper below 15.1.4 has reported security flaws and 15+ is licensed), which
// costs no more than AutoMapper's compiled maps, so the port is if anything faster than the seed.
public sealed record CategoryResult(int Id, string Name);

public sealed record BookResult(
    int Id, int CategoryId, string? CategoryName, string Name, string Author, string? Description, double Value, DateTime PublishDate);

public sealed record OrderResult(
    int Id, string CustomerName, string Address, string Telephone, string City, string Status, string TotalAmount, IEnumerable<int> Books);

[ApiController]
[Route("api/[controller]")]
public sealed class BooksController(IReadService<Book> books) : ControllerBase
{
    [HttpGet]
    public async Task<IActionResult> GetAll() => Ok((await books.GetAll()).Select(b =>
        new BookResult(b.Id, b.CategoryId, b.Category?.Name, b.Name, b.Author, b.Description, b.Value, b.PublishDate)).ToList());
}

[ApiController]
[Route("api/[controller]")]
public sealed class CategoriesController(IReadService<Category> categories) : ControllerBase
{
    [HttpGet]
    public async Task<IActionResult> GetAll() => Ok((await categories.GetAll()).Select(c => new CategoryResult(c.Id, c.Name)).ToList());
}

[ApiController]
[Route("api/[controller]")]
public sealed class OrdersController(IReadService<Order> orders) : ControllerBase
{
    [HttpGet]
    public async Task<IActionResult> GetAll() => Ok((await orders.GetAll()).Select(o => new OrderResult(
        o.Id, o.CustomerName, o.Address, o.Telephone, o.City, o.Status,
        o.TotalAmount.ToString(CultureInfo.InvariantCulture), o.Books.Select(b => b.Id).ToList())).ToList());
}
