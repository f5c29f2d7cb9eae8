using DotnetFargate.Platform;
using Prime.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("prime-api");
builder.Services.ConfigureHttpJsonOptions(o =>
    o.SerializerOptions.TypeInfoResolverChain.Insert(0, PrimeJsonContext.Default));

var app = builder.Build();
app.UseServiceDefaults();
app.MapPrimeEndpoints();
app.Run();
