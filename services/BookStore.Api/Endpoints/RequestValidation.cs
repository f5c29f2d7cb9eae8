using BookStore.Api.Contracts;
using BookStore.Api.Domain;
using DotnetFargate.Platform;

namespace BookStore.Api.Endpoints;

/// <summary>
/// The rules a request must meet on its own. Rules that depend on stored data (unique names,
/// existing references, stock) are the store's. Every invalid field is reported, not just the first.
/// </summary>
public static class RequestValidation
{
    public const int NameMin = 2;
    public const int NameMax = 150;
    public const int DescriptionMax = 2_000;
    public const int AddressMax = 250;
    public const int TelephoneMax = 30;
    public const int CityMax = 100;
    public const int MaxBooksPerOrder = 50;
    public const int MaxStock = 1_000_000;
    public const decimal MaxValue = 1_000_000m;

    public static string? ValidateCategoryName(string? name, ValidationErrors errors)
    {
        errors.RequireText("name", name, NameMin, NameMax);
        return name?.Trim();
    }

    public static void ValidateId(string field, int? id, ValidationErrors errors)
    {
        if (id is null)
        {
            errors.Add(field, $"{field} is required.");
        }
        else if (id < 1)
        {
            errors.Add(field, $"{field} must be a positive whole number.");
        }
    }

    public static BookDraft? ValidateBook(
        int? categoryId, string? name, string? author, string? description, decimal? value, DateTime? publishDate,
        DateTimeOffset now, ValidationErrors errors)
    {
        ValidateId("categoryId", categoryId, errors);
        errors.RequireText("name", name, NameMin, NameMax);
        errors.RequireText("author", author, 1, NameMax);
        if (description is { Length: > DescriptionMax })
        {
            errors.Add("description", $"description must be at most {DescriptionMax} characters.");
        }

        if (value is null)
        {
            errors.Add("value", "value is required.");
        }
        else if (value <= 0m || value > MaxValue)
        {
            errors.Add("value", $"value must be greater than 0 and at most {MaxValue}.");
        }
        else if (decimal.Round(value.Value, 2) != value.Value)
        {
            errors.Add("value", "value must have at most 2 decimal places.");
        }

        DateTime? published = publishDate is { } d ? ToUtc(d) : null;
        if (published is null)
        {
            errors.Add("publishDate", "publishDate is required.");
        }
        else if (published.Value >= now.UtcDateTime)
        {
            errors.Add("publishDate", "publishDate must be in the past.");
        }

        return errors.IsValid
            ? new BookDraft(categoryId!.Value, name!.Trim(), author!.Trim(), description?.Trim() ?? string.Empty,
                value!.Value, published!.Value)
            : null;
    }

    public static void ValidateAmount(int? amount, ValidationErrors errors)
    {
        if (amount is null)
        {
            errors.Add("amount", "amount is required.");
        }
        else if (amount < 0 || amount > MaxStock)
        {
            errors.Add("amount", $"amount must be between 0 and {MaxStock}.");
        }
    }

    public static OrderDraft? ValidateOrder(CreateOrderRequest request, ValidationErrors errors)
    {
        errors.RequireText("customerName", request.CustomerName, NameMin, NameMax);
        errors.RequireText("address", request.Address, 1, AddressMax);
        errors.RequireText("telephone", request.Telephone, 1, TelephoneMax);
        errors.RequireText("city", request.City, 1, CityMax);

        var books = request.Books;
        if (books is null || books.Count == 0)
        {
            errors.Add("books", "books must list at least one book id.");
        }
        else
        {
            if (books.Count > MaxBooksPerOrder)
            {
                errors.Add("books", $"An order can hold at most {MaxBooksPerOrder} books.");
            }
            if (books.Any(id => id < 1))
            {
                errors.Add("books", "Every book id must be a positive whole number.");
            }
            if (books.Distinct().Count() != books.Count)
            {
                errors.Add("books", "An order takes one of each book: list each book id once.");
            }
        }

        return errors.IsValid
            ? new OrderDraft(request.CustomerName!.Trim(), request.Address!.Trim(), request.Telephone!.Trim(),
                request.City!.Trim(), [.. books!])
            : null;
    }

    /// <summary>A date without an offset is taken as UTC; one with an offset is converted to UTC.</summary>
    private static DateTime ToUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };
}
