using DotnetFargate.Platform;
using Prime.Api;

// The slim builder, as the BookStore's Program.cs explains: nothing this service uses is left out, and there is less
// to set up before the first request.
var builder = WebApplication.CreateSlimBuilder(args);
builder.AddServiceDefaults("prime-api");
builder.Services.ConfigureHttpJsonOptions(o =>
    o.SerializerOptions.TypeInfoResolverChain.Insert(0, PrimeJsonContext.Default));

var app = builder.Build();
app.UseServiceDefaults();
app.MapPrimeEndpoints();
app.Run();
