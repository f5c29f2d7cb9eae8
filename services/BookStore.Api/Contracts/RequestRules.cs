using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using BookStore.Api.Endpoints;

namespace BookStore.Api.Contracts;

// The request rules as data annotations, run by .NET 10's generated validation metadata (RequestValidator).
// Each message names the field by its JSON name ("{0}" below), which RequestValidator resolves from the
// serializer's metadata, so the messages read as they did when the rules were hand-written.

/// <summary>A rule that either passes or yields a message template whose {0} is the field's JSON name.</summary>
public abstract class RequestRuleAttribute : ValidationAttribute
{
    protected abstract string? Check(object value, ValidationContext context);

    // Absent values pass: being present is FieldRequiredAttribute's rule.
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is not null && Check(value, validationContext) is { } template
            ? Failure(template, validationContext)
            : ValidationResult.Success;

    internal static ValidationResult Failure(string template, ValidationContext context) => new(
        string.Format(CultureInfo.InvariantCulture, template, RequestValidator.JsonName(context)),
        [context.MemberName!]);

    /// <summary>
    /// Text either store can keep: PostgreSQL's text refuses U+0000 (SQLSTATE 22021, "invalid byte sequence for
    /// encoding UTF8: 0x00"), so the in-memory store refuses it too, and the same request gets the same answer.
    /// </summary>
    protected static string? TextProblem(string text) =>
        text.Contains('\0', StringComparison.Ordinal) ? "{0} must not contain the NUL character (U+0000)." : null;
}

/// <summary>Present and not blank; a list must hold at least one item. A subclass of RequiredAttribute because
/// the validation runs that one first and skips the field's other rules when it fails.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class FieldRequiredAttribute(string template = "{0} is required.") : RequiredAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        IsValid(value) && value is not ICollection { Count: 0 }
            ? ValidationResult.Success
            : RequestRuleAttribute.Failure(template, validationContext);
}

/// <summary>Text whose trimmed length is within the bounds (blank text is FieldRequired's to report).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class TrimmedLengthAttribute(int min, int max) : RequestRuleAttribute
{
    protected override string? Check(object value, ValidationContext context) =>
        TextProblem((string)value) ?? (((string)value).Trim().Length is var length && (length < min || length > max)
            ? $"{{0}} must be between {min} and {max} characters."
            : null);
}

[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class MaxTextLengthAttribute(int max) : RequestRuleAttribute
{
    protected override string? Check(object value, ValidationContext context) =>
        TextProblem((string)value) ?? (((string)value).Length > max ? $"{{0}} must be at most {max} characters." : null);
}

[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class PositiveIdAttribute : RequestRuleAttribute
{
    protected override string? Check(object value, ValidationContext context) =>
        (int)value < 1 ? "{0} must be a positive whole number." : null;
}

[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class WholeRangeAttribute(int min, int max) : RequestRuleAttribute
{
    protected override string? Check(object value, ValidationContext context) =>
        (int)value < min || (int)value > max ? $"{{0}} must be between {min} and {max}." : null;
}

/// <summary>A price: above zero, at most the maximum, in cents. One message: the range before the cents.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class MoneyAttribute(int max) : RequestRuleAttribute
{
    protected override string? Check(object value, ValidationContext context) => (decimal)value switch
    {
        var v when v <= 0m || v > max => $"{{0}} must be greater than 0 and at most {max}.",
        var v when decimal.Round(v, 2) != v => "{0} must have at most 2 decimal places.",
        _ => null,
    };
}

/// <summary>
/// Before now by the service's clock (the TimeProvider registered in DI, which tests can replace), and after the
/// first instant a date can name: Npgsql writes DateTime.MinValue as PostgreSQL's -infinity (npgsql/npgsql
/// src/Npgsql/Internal/Converters/Temporal/PgTimestamp.cs, tag v10.0.3), which is no date.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class InThePastAttribute : RequestRuleAttribute
{
    protected override string? Check(object value, ValidationContext context)
    {
        var clock = (TimeProvider?)context.GetService(typeof(TimeProvider)) ?? TimeProvider.System;
        var stored = RequestValidation.ToStored((DateTime)value);
        return stored >= clock.GetUtcNow().UtcDateTime ? "{0} must be in the past."
            : stored == DateTime.MinValue ? "{0} must be later than 0001-01-01T00:00:00Z."
            : null;
    }
}

/// <summary>An order's book ids: each of the three problems is its own message, in this order.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class AtMostItemsAttribute(int max) : RequestRuleAttribute
{
    protected override string? Check(object value, ValidationContext context) =>
        ((IReadOnlyCollection<int>)value).Count > max ? $"An order can hold at most {max} books." : null;
}

[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class AllPositiveIdsAttribute : RequestRuleAttribute
{
    protected override string? Check(object value, ValidationContext context) =>
        ((IEnumerable<int>)value).Any(id => id < 1) ? "Every book id must be a positive whole number." : null;
}

[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class DistinctIdsAttribute : RequestRuleAttribute
{
    protected override string? Check(object value, ValidationContext context) =>
        ((IReadOnlyCollection<int>)value) is var ids && ids.Distinct().Count() != ids.Count
            ? "An order takes one of each book: list each book id once."
            : null;
}
