namespace BookStore.Api.Store;

public enum StoreOutcome
{
    Ok,
    /// <summary>The resource the request names (by route or body id) does not exist: 404.</summary>
    NotFound,
    /// <summary>The request contradicts the current state (duplicate, in use, out of stock): 409.</summary>
    Conflict,
    /// <summary>A field refers to something that does not exist (a category, a book): 400.</summary>
    Invalid,
}

/// <summary>What a store write did: the new value, or why nothing was changed.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000:Do not declare static members on generic types",
    Justification = "Factory methods read best on the result type itself: StoreResult<Book>.NotFound(...).")]
public readonly record struct StoreResult<T>(StoreOutcome Outcome, T? Value, string? Field, string? Message)
{
    public static StoreResult<T> Ok(T value) => new(StoreOutcome.Ok, value, null, null);
    public static StoreResult<T> NotFound(string message) => new(StoreOutcome.NotFound, default, null, message);
    public static StoreResult<T> Conflict(string message) => new(StoreOutcome.Conflict, default, null, message);
    public static StoreResult<T> Invalid(string field, string message) => new(StoreOutcome.Invalid, default, field, message);
}
