using System.Text;

// The same size as the seed's GET /api/books response (5000 bytes of JSON).
const int BodySize = 5000;
var prefix = "[{\"note\":\"";
var suffix = "\"}]";
var body = Encoding.UTF8.GetBytes(prefix + new string('x', BodySize - prefix.Length - suffix.Length) + suffix);

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(o => o.AddServerHeader = false);
// Logging is off and nothing is printed: the benchmark gives the port (--urls), so the baseline does no work a bare
// server would not.
var app = builder.Build();

app.Run(context =>
{
    context.Response.StatusCode = StatusCodes.Status200OK;
    context.Response.ContentType = "application/json";
    context.Response.ContentLength = body.Length;
    return context.Response.Body.WriteAsync(body).AsTask();
});

await app.RunAsync();
