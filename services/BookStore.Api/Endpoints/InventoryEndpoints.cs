using BookStore.Api.Contracts;
using BookStore.Api.Store;
using DotnetFargate.Platform;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BookStore.Api.Endpoints;

public static class InventoryEndpoints
{
    public static RouteGroupBuilder MapInventoryEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/inventories").WithTags("Inventories");
        group.MapGet("/{bookId:int}", GetByBook);
        group.MapGet("/get-inventory-by-book-name/{name}", GetByBookName);
        group.MapPost("/", Create);
        group.MapPut("/", Update);
        group.MapDelete("/{bookId:int}", Delete);
        return api;
    }

    private static async Task<Results<Ok<InventoryResponse>, ProblemHttpResult>> GetByBook(
        int bookId, IBookStore store, CancellationToken ct) =>
        await store.GetInventoryAsync(bookId, ct) is { } inventory
            ? TypedResults.Ok(inventory.ToResponse())
            : StoreResults.NotFound($"Book {bookId} has no inventory row.");

    private static async Task<Results<Ok<InventoryResponse>, ProblemHttpResult>> GetByBookName(
        string name, IBookStore store, CancellationToken ct) =>
        await store.GetInventoryByBookNameAsync(name, ct) is { } inventory
            ? TypedResults.Ok(inventory.ToResponse())
            : StoreResults.NotFound($"No inventory row for a book named '{name}'.");

    private static async Task<Results<Created<InventoryResponse>, ValidationProblem, ProblemHttpResult>> Create(
        InventoryRequest request, RequestValidator validator, IBookStore store, CancellationToken ct)
    {
        var errors = await validator.ValidateAsync(request, ct);
        if (!errors.IsValid)
        {
            return errors.ToValidationProblem();
        }

        var result = await store.CreateInventoryAsync(request.BookId!.Value, request.Amount!.Value, ct);
        return result.Outcome switch
        {
            StoreOutcome.Ok => TypedResults.Created($"/api/inventories/{result.Value!.BookId}", result.Value.ToResponse()),
            StoreOutcome.Invalid => result.ToValidationProblem(),
            _ => result.ToProblem(),
        };
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Update(
        InventoryRequest request, RequestValidator validator, IBookStore store, CancellationToken ct)
    {
        var errors = await validator.ValidateAsync(request, ct);
        if (!errors.IsValid)
        {
            return errors.ToValidationProblem();
        }

        var result = await store.UpdateInventoryAsync(request.BookId!.Value, request.Amount!.Value, ct);
        return result.Outcome == StoreOutcome.Ok ? TypedResults.NoContent() : result.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(int bookId, IBookStore store, CancellationToken ct)
    {
        var result = await store.DeleteInventoryAsync(bookId, ct);
        return result.Outcome == StoreOutcome.Ok ? TypedResults.NoContent() : result.ToProblem();
    }
}
