using Microsoft.AspNetCore.Hosting;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace DotnetFargate.Platform;

/// <summary>
/// The behaviour every service has in common. A service's Program.cs calls
/// <see cref="AddServiceDefaults"/> on the builder and <see cref="UseServiceDefaults"/> on the app.
/// </summary>
public static class ServiceDefaults
{
    /// <summary>Default host shutdown timeout: below the ECS task's 30 s stop timeout.</summary>
    public const int DefaultShutdownTimeoutSeconds = 20;

    /// <summary>Default time the service keeps answering after SIGTERM before it stops listening (see <see cref="ShutdownDrain"/>).</summary>
    public const int DefaultShutdownDrainSeconds = 2;

    /// <summary>Default limit on a request body, in bytes.</summary>
    public const long DefaultMaxRequestBodyBytes = 64 * 1024;

    /// <summary>The port Kestrel listens on when nothing else is configured (the chiseled image's default too).</summary>
    public const int DefaultPort = 8080;

    /// <summary>Liveness: 200 while the process serves requests. The load balancer checks this one.</summary>
    public const string HealthPath = "/healthz";
    /// <summary>Readiness: 200 when every check tagged <see cref="ReadyTag"/> passes (a store's database, say).</summary>
    public const string ReadyPath = "/ready";
    /// <summary>Tag of the health checks that decide readiness.</summary>
    public const string ReadyTag = "ready";
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Default most attribute sets http.server.request.duration keeps (Metrics:CardinalityLimit); every other stream
    /// keeps at most <see cref="OtherStreamsCardinalityLimit"/>. The SDK allocates that many metric points per stream
    /// when the stream is created, before the first request: its default of 2000 for each of the ~40 instruments was
    /// ~7 MiB of the Native AOT start's allocations (services/README.md, "Start-up under Native AOT").
    /// The duration's attributes are route x method x status x protocol: the BookStore's 23 API endpoints with up to
    /// 8 statuses each, /healthz, /ready and /metrics under any of 10 methods, unmatched requests (10 methods x ~9
    /// statuses), all on HTTP/1.0 or 1.1, make ~730 at worst (a test drive of every route gives ~60); 1000 covers it.
    /// </summary>
    public const int DefaultMetricCardinalityLimit = 1000;

    /// <summary>
    /// The other streams' limit: their attributes do not multiply routes by statuses (routing's match attempts, route
    /// x outcome, is the largest at ~60 series; exception counters grow with the exception types thrown).
    /// </summary>
    public const int OtherStreamsCardinalityLimit = 200;

    public static WebApplicationBuilder AddServiceDefaults(
        this WebApplicationBuilder builder, string serviceName, params string[] meterNames)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var config = builder.Configuration;

        // Structured JSON logs on stdout (one object per line), UTC timestamps. The EventSource provider is
        // registered so dotnet-monitor can collect logs over EventPipe; a service built with
        // WebApplication.CreateSlimBuilder (console only) gets it here too.
        builder.Logging.AddJsonConsole(o =>
        {
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.IncludeScopes = false;
        });
        builder.Logging.AddEventSourceLogger();
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        var shutdownSeconds = config.GetInt("ShutdownTimeoutSeconds", DefaultShutdownTimeoutSeconds, 1, 600);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(shutdownSeconds));
        // The drain comes out of the shutdown timeout: at least a second must be left for in-flight requests.
        var drainSeconds = config.GetValue("ShutdownDrainSeconds", DefaultShutdownDrainSeconds);
        if (drainSeconds < 0 || drainSeconds >= shutdownSeconds)
        {
            throw new InvalidOperationException(
                $"ShutdownDrainSeconds must be between 0 and ShutdownTimeoutSeconds - 1 ({shutdownSeconds - 1}); got {drainSeconds}.");
        }
        builder.Services.AddSingleton(sp => new ShutdownDrain(
            TimeSpan.FromSeconds(drainSeconds), sp.GetRequiredService<ILogger<ShutdownDrain>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ShutdownDrain>());

        // Kestrel listens on 8080 unless told otherwise (--urls, ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS).
        if (string.IsNullOrEmpty(config["urls"]) && string.IsNullOrEmpty(config["http_ports"])
            && string.IsNullOrEmpty(config["https_ports"]) && !config.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls($"http://+:{DefaultPort}");
        }

        var maxBody = config.GetLongAtLeast("RequestLimits:MaxBodyBytes", DefaultMaxRequestBodyBytes, 1);
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Limits.MaxRequestBodySize = maxBody;
        });

        // Every error leaves as application/problem+json: model-binding failures are thrown so the
        // exception handler can say what was wrong, and bare status codes (404, 405) get a body too.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // RFC 9457: instance is a URI reference; the request's path (already escaped as received) is one.
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.PathBase.Add(ctx.HttpContext.Request.Path).ToUriComponent());
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        // The web defaults read numbers from JSON strings ("15"); a wrong JSON type is a 400 here.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);

        builder.Services.AddHealthChecks().AddCheck<ShutdownDrainCheck>("shutdown", tags: [ReadyTag]);
        builder.Services.AddAdmission(config);

        builder.AddMetrics(serviceName, meterNames);
        return builder;
    }

    private static void AddMetrics(this WebApplicationBuilder builder, string serviceName, string[] meterNames)
    {
        var config = builder.Configuration;
        var limit = config.GetInt("Metrics:CardinalityLimit", DefaultMetricCardinalityLimit, 1, 100_000);
        // CardinalityLimit through a view is how a stream's limit is set since SetMaxMetricPointsPerMetricStream was made
        // obsolete; the SDK allocates limit + 2 points per stream (open-telemetry/opentelemetry-dotnet, read at
        // core-1.18.0: src/OpenTelemetry/Metrics/View/MetricStreamConfiguration.cs, src/OpenTelemetry/Metrics/AggregatorStore.cs;
        // the services run 1.20.1, where MetricCardinalityTests sees the overflow series a small limit makes).
        var requestDuration = new MetricStreamConfiguration { CardinalityLimit = limit };
        var otherStreams = new MetricStreamConfiguration { CardinalityLimit = Math.Min(limit, OtherStreamsCardinalityLimit) };

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(m =>
            {
                m.AddAspNetCoreInstrumentation();
                m.AddRuntimeInstrumentation();
                foreach (var meter in meterNames)
                {
                    m.AddMeter(meter);
                }
                // One view matching every instrument: a stream matched by two views would be exported twice.
                m.AddView(i => i.Name == "http.server.request.duration" ? requestDuration : otherStreams);
                m.AddPrometheusExporter();
                // Also push over OTLP when a collector is configured (e.g. an ADOT sidecar in the task).
                if (!string.IsNullOrEmpty(config["OTEL_EXPORTER_OTLP_ENDPOINT"]))
                {
                    m.AddOtlpExporter();
                }
            });
    }

    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<ShutdownDrainMiddleware>();
        // Liveness, answered ahead of routing: the load balancer's check must not wait for the route table. Routing
        // builds every endpoint's request delegate, its JSON contracts and its services' call sites at the first
        // request that reaches it; behind it the first /healthz 200 of the Native AOT BookStore came ~7 ms (an eighth
        // of its start) later (services/README.md, "Start-up under Native AOT"), and the first API request now pays
        // that instead. It runs no check: a database outage must make a task unready, never get it killed. The
        // middleware answers the path in any case and under any method, as routing did, but not with a trailing slash
        // (/healthz/ is now routing's 404; its comment says otherwise, its code does not: StartsWithSegments leaves "/"
        // over. dotnet/aspnetcore src/Middleware/HealthChecks/src/Builder/HealthCheckApplicationBuilderExtensions.cs,
        // UseHealthChecksCore; PlatformTests checks each case against the framework the services run).
        app.UseHealthChecks(HealthPath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteLiveness });
        // Routing from here on, where WebApplication put it when it was implicit: before everything below.
        app.UseRouting();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<CharsetGuard>();
        app.UseRateLimiter();
        // Degraded means "not yet" here (a store still starting): not ready either, but not an error in the log.
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        // Scraped from inside the VPC; the load balancer routes no path to it.
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    /// <summary>
    /// The liveness answer: the health middleware's own plain-text status ("Healthy"), and the route on the request's
    /// metrics, which hosting takes from the endpoint and liveness no longer has. Hosting adds the request's custom
    /// tags to http.server.request.duration after the route it knows, here none (dotnet/aspnetcore
    /// src/Hosting/Hosting/src/Internal/HostingMetrics.cs, RequestEnd; PlatformTests and MetricCardinalityTests see the
    /// route on the series).
    /// </summary>
    private static Task WriteLiveness(HttpContext context, HealthReport report)
    {
        context.Features.Get<IHttpMetricsTagsFeature>()?.Tags.Add(new("http.route", HealthPath));
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync(report.Status.ToString());
    }
}
