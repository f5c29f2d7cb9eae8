using BookStore.Api.Contracts;
using BookStore.Api.Domain;
using BookStore.Api.Store;
using DotnetFargate.Platform;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BookStore.Api.Endpoints;

public static class BookEndpoints
{
    public static RouteGroupBuilder MapBookEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/books").WithTags("Books");
        group.MapGet("/", GetAll);
        group.MapGet("/{id:int}", GetById);
        group.MapGet("/get-books-by-category/{categoryId:int}", GetByCategory);
        group.MapGet("/search/{name}", Search);
        group.MapGet("/search-book-with-category/{value}", SearchWithCategory);
        group.MapPost("/", Create);
        group.MapPut("/", Update);
        group.MapDelete("/{id:int}", Delete);
        return api;
    }

    private static List<BookResponse> ToResponses(IReadOnlyList<BookWithCategory> books) =>
        books.MapAll(b => b.ToResponse());

    private static async Task<SizedJson<List<BookResponse>>> GetAll(IBookStore store, CancellationToken ct) =>
        Sized.Ok(ToResponses(await store.GetBooksAsync(ct)));

    private static async Task<Results<Ok<BookResponse>, ProblemHttpResult>> GetById(
        int id, IBookStore store, CancellationToken ct) =>
        await store.GetBookAsync(id, ct) is { } book
            ? TypedResults.Ok(book.ToResponse())
            : StoreResults.NotFound($"Book {id} does not exist.");

    private static async Task<Results<SizedJson<List<BookResponse>>, ProblemHttpResult>> GetByCategory(
        int categoryId, IBookStore store, CancellationToken ct) =>
        await store.GetBooksByCategoryAsync(categoryId, ct) is { } books
            ? Sized.Ok(ToResponses(books))
            : StoreResults.NotFound($"Category {categoryId} does not exist.");

    private static async Task<SizedJson<List<BookResponse>>> Search(string name, IBookStore store, CancellationToken ct) =>
        Sized.Ok(ToResponses(await store.SearchBooksAsync(name, ct)));

    private static async Task<SizedJson<List<BookResponse>>> SearchWithCategory(
        string value, IBookStore store, CancellationToken ct) =>
        Sized.Ok(ToResponses(await store.SearchBooksWithCategoryAsync(value, ct)));

    private static async Task<Results<Created<BookResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateBookRequest request, RequestValidator validator, IBookStore store, BookStoreMetrics metrics,
        CancellationToken ct)
    {
        var errors = await validator.ValidateAsync(request, ct);
        if (!errors.IsValid)
        {
            return errors.ToValidationProblem();
        }

        var result = await store.CreateBookAsync(request.ToDraft(), ct);
        switch (result.Outcome)
        {
            case StoreOutcome.Ok:
                metrics.BookCreated();
                return TypedResults.Created($"/api/books/{result.Value!.Book.Id}", result.Value.ToResponse());
            case StoreOutcome.Invalid:
                return result.ToValidationProblem();
            default:
                return result.ToProblem();
        }
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Update(
        UpdateBookRequest request, RequestValidator validator, IBookStore store, CancellationToken ct)
    {
        var errors = await validator.ValidateAsync(request, ct);
        if (!errors.IsValid)
        {
            return errors.ToValidationProblem();
        }

        var result = await store.UpdateBookAsync(request.Id!.Value, request.ToDraft(), ct);
        return result.Outcome switch
        {
            StoreOutcome.Ok => TypedResults.NoContent(),
            StoreOutcome.Invalid => result.ToValidationProblem(),
            _ => result.ToProblem(),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        int id, IBookStore store, BookStoreMetrics metrics, CancellationToken ct)
    {
        var result = await store.DeleteBookAsync(id, ct);
        if (result.Outcome != StoreOutcome.Ok)
        {
            return result.ToProblem();
        }
        metrics.BookDeleted();
        return TypedResults.NoContent();
    }
}
