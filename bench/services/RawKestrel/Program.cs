using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

// The same size as the seed's GET /api/books response (5000 bytes of JSON).
const int BodySize = 5000;
var prefix = "[{\"note\":\"";
var suffix = "\"}]";
var body = Encoding.UTF8.GetBytes(prefix + new string('x', BodySize - prefix.Length - suffix.Length) + suffix);

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(o => o.AddServerHeader = false);
var app = builder.Build();
// Logging is off; say where Kestrel bound (port 0 means "any free port") as the services do.
app.Lifetime.ApplicationStarted.Register(() =>
{
    var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
    Console.WriteLine($"Now listening on: {string.Join(", ", addresses.Addresses)}");
});

app.Run(context =>
{
    context.Response.StatusCode = StatusCodes.Status200OK;
    context.Response.ContentType = "application/json";
    context.Response.ContentLength = body.Length;
    return context.Response.Body.WriteAsync(body).AsTask();
});

await app.RunAsync();
