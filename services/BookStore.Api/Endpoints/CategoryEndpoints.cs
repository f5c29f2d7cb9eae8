using BookStore.Api.Contracts;
using BookStore.Api.Store;
using DotnetFargate.Platform;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BookStore.Api.Endpoints;

public static class CategoryEndpoints
{
    public static RouteGroupBuilder MapCategoryEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/categories").WithTags("Categories");
        group.MapGet("/", GetAll);
        group.MapGet("/{id:int}", GetById);
        group.MapGet("/search/{name}", Search);
        group.MapPost("/", Create);
        group.MapPut("/", Update);
        group.MapDelete("/{id:int}", Delete);
        return api;
    }

    private static async Task<SizedJson<List<CategoryResponse>>> GetAll(IBookStore store, CancellationToken ct) =>
        Sized.Ok((await store.GetCategoriesAsync(ct)).MapAll(c => c.ToResponse()));

    private static async Task<Results<Ok<CategoryResponse>, ProblemHttpResult>> GetById(
        int id, IBookStore store, CancellationToken ct) =>
        await store.GetCategoryAsync(id, ct) is { } category
            ? TypedResults.Ok(category.ToResponse())
            : StoreResults.NotFound($"Category {id} does not exist.");

    private static async Task<SizedJson<List<CategoryResponse>>> Search(string name, IBookStore store, CancellationToken ct) =>
        Sized.Ok((await store.SearchCategoriesAsync(name, ct)).MapAll(c => c.ToResponse()));

    private static async Task<Results<Created<CategoryResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateCategoryRequest request, RequestValidator validator, IBookStore store, CancellationToken ct)
    {
        var errors = await validator.ValidateAsync(request, ct);
        if (!errors.IsValid)
        {
            return errors.ToValidationProblem();
        }

        var result = await store.CreateCategoryAsync(request.Name!.Trim(), ct);
        if (result.Outcome != StoreOutcome.Ok)
        {
            return result.ToProblem();
        }
        return TypedResults.Created($"/api/categories/{result.Value!.Id}", result.Value.ToResponse());
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Update(
        UpdateCategoryRequest request, RequestValidator validator, IBookStore store, CancellationToken ct)
    {
        var errors = await validator.ValidateAsync(request, ct);
        if (!errors.IsValid)
        {
            return errors.ToValidationProblem();
        }

        var result = await store.UpdateCategoryAsync(request.Id!.Value, request.Name!.Trim(), ct);
        return result.Outcome == StoreOutcome.Ok ? TypedResults.NoContent() : result.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(int id, IBookStore store, CancellationToken ct)
    {
        var result = await store.DeleteCategoryAsync(id, ct);
        return result.Outcome == StoreOutcome.Ok ? TypedResults.NoContent() : result.ToProblem();
    }
}
