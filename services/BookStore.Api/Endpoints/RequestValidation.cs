using BookStore.Api.Contracts;
using BookStore.Api.Domain;

namespace BookStore.Api.Endpoints;

/// <summary>
/// The bounds of the request rules (Contracts/RequestRules.cs, on the request records), and the drafts a valid
/// request becomes. Rules that depend on stored data (unique names, existing references, stock) are the store's.
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
    public const int MaxValue = 1_000_000;

    // The drafts below are only built from requests RequestValidator found valid: every required field is there.

    public static BookDraft ToDraft(this CreateBookRequest r) =>
        BookDraft(r.CategoryId, r.Name, r.Author, r.Description, r.Value, r.PublishDate);

    public static BookDraft ToDraft(this UpdateBookRequest r) =>
        BookDraft(r.CategoryId, r.Name, r.Author, r.Description, r.Value, r.PublishDate);

    public static OrderDraft ToDraft(this CreateOrderRequest r) =>
        new(r.CustomerName!.Trim(), r.Address!.Trim(), r.Telephone!.Trim(), r.City!.Trim(), [.. r.Books!]);

    private static BookDraft BookDraft(
        int? categoryId, string? name, string? author, string? description, decimal? value, DateTime? publishDate) =>
        new(categoryId!.Value, name!.Trim(), author!.Trim(), description?.Trim() ?? string.Empty, value!.Value,
            ToStored(publishDate!.Value));

    /// <summary>A date without an offset is taken as UTC; one with an offset is converted to UTC.</summary>
    public static DateTime ToUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };

    /// <summary>
    /// A date as the stores keep it: UTC, in whole microseconds, PostgreSQL's timestamptz resolution (Npgsql drops
    /// the seventh fractional digit: npgsql/npgsql src/Npgsql/Internal/Converters/Temporal/PgTimestamp.cs, tag
    /// v10.0.3), so that both stores give back the same value.
    /// </summary>
    public static DateTime ToStored(DateTime value)
    {
        var utc = ToUtc(value);
        return new DateTime(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);
    }
}
