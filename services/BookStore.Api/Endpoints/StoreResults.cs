using BookStore.Api.Store;
using DotnetFargate.Platform;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BookStore.Api.Endpoints;

/// <summary>How a store refusal reads on the wire.</summary>
public static class StoreResults
{
    public static ProblemHttpResult ToProblem<T>(this StoreResult<T> result) => result.Outcome switch
    {
        StoreOutcome.NotFound => NotFound(result.Message!),
        StoreOutcome.Conflict => TypedResults.Problem(
            title: "The request conflicts with the current state.", detail: result.Message,
            statusCode: StatusCodes.Status409Conflict),
        _ => throw new InvalidOperationException($"{result.Outcome} is not a problem outcome."),
    };

    public static ValidationProblem ToValidationProblem<T>(this StoreResult<T> result)
    {
        var errors = new ValidationErrors();
        errors.Add(result.Field!, result.Message!);
        return errors.ToValidationProblem();
    }

    public static ValidationProblem ToValidationProblem(this ValidationErrors errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary());

    public static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(
        title: "Not found.", detail: detail, statusCode: StatusCodes.Status404NotFound);
}
