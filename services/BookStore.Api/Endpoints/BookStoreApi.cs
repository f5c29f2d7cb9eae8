namespace BookStore.Api.Endpoints;

public static class BookStoreApi
{
    /// <summary>Maps the BookStore's routes under /api, one route group per resource.</summary>
    public static IEndpointRouteBuilder MapBookStoreApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/api")
            // The handlers validate through RequestValidator; 10.0's filter would answer first, keyed by C# names.
            .DisableValidation()
            .MapCategoryEndpoints()
            .MapBookEndpoints()
            .MapInventoryEndpoints()
            .MapOrderEndpoints();
        return routes;
    }
}
