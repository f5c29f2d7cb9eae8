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
// In memory, starting from the seed's data unless BookStore__SeedData=false.
var seed = builder.Configuration.GetValue("BookStore:SeedData", true);
builder.Services.AddSingleton<IBookStore>(_ => new InMemoryBookStore(seed ? SeedState.LoadEmbedded() : null));

var app = builder.Build();
app.UseServiceDefaults();
app.MapBookStoreApi();
app.Run();
