using DotnetFargate.Platform;
using Microsoft.Extensions.Options;
using Profiling.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("profiling-api");
builder.Services.ConfigureHttpJsonOptions(o =>
    o.SerializerOptions.TypeInfoResolverChain.Insert(0, ProfilingJsonContext.Default));
builder.Services.AddSingleton(Options.Create(ProfilingOptions.From(builder.Configuration.GetSection(ProfilingOptions.Section))));
builder.Services.AddSingleton<ContendedLock>();
builder.Services.AddSingleton<LeakStore>();

var app = builder.Build();
app.UseServiceDefaults();
app.MapBlockingThreadsEndpoints();
app.MapHighCpuEndpoints();
app.MapMemoryLeakEndpoints();
app.Run();
