using BookStore.Api;
using BookStore.Api.Endpoints;
using BookStore.Api.Store;
using DotnetFargate.Platform;

// The slim builder: the default one's configuration sources, host filtering and Kestrel endpoints from configuration,
// without what the BookStore does not use (regular-expression route constraints, HTTPS endpoint configuration and
// HTTP/3: UseKestrelCore instead of UseKestrel; IIS; the Debug log provider; ServiceDefaults adds the EventSource one
// back). A smaller Native AOT binary with less to set up before the first request (bench/services/run.sh measures
// it). dotnet/aspnetcore src/DefaultBuilder/src/WebApplicationBuilder.cs (the slim constructor) and WebHost.cs
// (ConfigureWebDefaults against ConfigureWebDefaultsSlim), read at dotnet/aspnetcore commit 7e66264969.
var builder = WebApplication.CreateSlimBuilder(args);
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
