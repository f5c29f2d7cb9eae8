using DotnetFargate.Platform;
using Profiling.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("profiling-api");
builder.Services.ConfigureHttpJsonOptions(o =>
    o.SerializerOptions.TypeInfoResolverChain.Insert(0, ProfilingJsonContext.Default));
builder.Services.AddOptions<ProfilingOptions>()
    .Bind(builder.Configuration.GetSection(ProfilingOptions.Section))
    .Validate(o => o.IsValid(), ProfilingOptions.ValidationMessage)
    .ValidateOnStart();
builder.Services.AddSingleton<ContendedLock>();
builder.Services.AddSingleton<LeakStore>();

var app = builder.Build();
app.UseServiceDefaults();
app.MapBlockingThreadsEndpoints();
app.MapHighCpuEndpoints();
app.MapMemoryLeakEndpoints();
app.Run();
