using BookStore.Api.Contracts;
using BookStore.Api.Store;
using DotnetFargate.Platform;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BookStore.Api.Endpoints;

public static class OrderEndpoints
{
    public static RouteGroupBuilder MapOrderEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/orders").WithTags("Orders");
        group.MapGet("/", GetAll);
        group.MapGet("/{id:int}", GetById);
        group.MapPost("/", Place);
        // As in the seed, DELETE cancels: the order stays, marked CANCELLED, and its books go back on the shelf.
        group.MapDelete("/{id:int}", Cancel);
        return api;
    }

    private static async Task<SizedJson<List<OrderResponse>>> GetAll(IBookStore store, CancellationToken ct) =>
        Sized.Ok((await store.GetOrdersAsync(ct)).MapAll(o => o.ToResponse()));

    private static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> GetById(
        int id, IBookStore store, CancellationToken ct) =>
        await store.GetOrderAsync(id, ct) is { } order
            ? TypedResults.Ok(order.ToResponse())
            : StoreResults.NotFound($"Order {id} does not exist.");

    private static async Task<Results<Created<OrderResponse>, ValidationProblem, ProblemHttpResult>> Place(
        CreateOrderRequest request, RequestValidator validator, IBookStore store, BookStoreMetrics metrics,
        CancellationToken ct)
    {
        var errors = await validator.ValidateAsync(request, ct);
        if (!errors.IsValid)
        {
            metrics.OrderRejected("invalid");
            return errors.ToValidationProblem();
        }

        var draft = request.ToDraft();
        var result = await store.PlaceOrderAsync(draft, ct);
        switch (result.Outcome)
        {
            case StoreOutcome.Ok:
                metrics.OrderPlaced(draft.BookIds.Count);
                return TypedResults.Created($"/api/orders/{result.Value!.Id}", result.Value.ToResponse());
            case StoreOutcome.Invalid:
                metrics.OrderRejected("unknown_book");
                return result.ToValidationProblem();
            default:
                metrics.OrderRejected("out_of_stock");
                return result.ToProblem();
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Cancel(
        int id, IBookStore store, BookStoreMetrics metrics, CancellationToken ct)
    {
        var result = await store.CancelOrderAsync(id, ct);
        if (result.Outcome != StoreOutcome.Ok)
        {
            return result.ToProblem();
        }
        metrics.OrderCancelled();
        return TypedResults.NoContent();
    }
}
