using BookStore.Api;
using BookStore.Api.Endpoints;
using BookStore.Api.Store;
using DotnetFargate.Platform;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("bookstore-api", BookStoreMetrics.MeterName);
builder.Services.ConfigureHttpJsonOptions(o =>
    o.SerializerOptions.TypeInfoResolverChain.Insert(0, BookStoreJsonContext.Default));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<BookStoreMetrics>();
// The request records' rules (Contracts/RequestRules.cs) through the validation source generator's metadata,
// run by RequestValidator so that errors keep the API's JSON field names (see RequestValidator).
builder.Services.AddValidation();
builder.Services.AddSingleton<RequestValidator>();
// In memory (default) or on PostgreSQL (BookStore__Store=postgres), starting from the seed's data
// unless BookStore__SeedData=false.
builder.AddBookStoreStore();

var app = builder.Build();
app.UseServiceDefaults();
app.MapBookStoreApi();
app.Run();
