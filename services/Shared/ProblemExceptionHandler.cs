using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace DotnetFargate.Platform;

/// <summary>
/// Turns exceptions into problem details. Bad requests (malformed JSON, wrong content type, a body
/// over the limit, an unparsable route or query value) keep their 4xx status and say what was wrong;
/// an unreachable dependency (<see cref="DependencyUnavailableException"/>) is a 503 with Retry-After; a change the
/// dependency did not confirm (<see cref="WriteOutcomeUnknownException"/>) is a 504 without one;
/// anything else is a 500 whose body carries no exception text or stack trace (the log has it).
/// </summary>
public sealed partial class ProblemExceptionHandler(
    IProblemDetailsService problemDetails, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(
        HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails problem;
        if (exception is BadHttpRequestException bad)
        {
            problem = new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = TitleFor(bad.StatusCode),
                Detail = DetailFor(bad),
            };
            LogBadRequest(logger, bad.StatusCode, httpContext.Request.Method, httpContext.Request.Path, bad.Message);
        }
        else if (exception is DependencyUnavailableException unavailable)
        {
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The service is temporarily unavailable.",
                Detail = $"{unavailable.Message} Retry after {unavailable.RetryAfterSeconds} s.",
            };
            if (!httpContext.Response.HasStarted)
            {
                httpContext.Response.Headers.RetryAfter = unavailable.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            }
            LogUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, unavailable.Message,
                unavailable.InnerException?.Message ?? "");
        }
        else if (exception is WriteOutcomeUnknownException unknown)
        {
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status504GatewayTimeout,
                Title = "The change may or may not have been made.",
                Detail = $"{unknown.Message} Check before repeating the request.",
            };
            LogOutcomeUnknown(logger, httpContext.Request.Method, httpContext.Request.Path, unknown.Message,
                unknown.InnerException?.Message ?? "");
        }
        else
        {
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "An unexpected error occurred.",
                Detail = "The server could not complete the request. See the service's logs for the trace id.",
            };
            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        }

        if (httpContext.Response.HasStarted)
        {
            return false;
        }
        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static string TitleFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request is malformed.",
        StatusCodes.Status404NotFound => "Not found.",
        StatusCodes.Status405MethodNotAllowed => "Method not allowed.",
        StatusCodes.Status411LengthRequired => "Length required.",
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type.",
        _ => "The request could not be processed.",
    };

    private static string DetailFor(BadHttpRequestException bad) => bad.StatusCode switch
    {
        // Kestrel's own message names the limit; keep it short and stable.
        StatusCodes.Status413PayloadTooLarge => "The request body exceeds the limit this service accepts.",
        StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json.",
        // Route handler messages name the parameter and what failed; they carry no internals.
        _ when bad.InnerException is System.Text.Json.JsonException =>
            "The request body is not valid JSON for this endpoint.",
        _ when bad.Message.StartsWith("Implicit body inferred", StringComparison.Ordinal) =>
            "This endpoint needs a JSON body.",
        _ => bad.Message,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected {Method} {Path} with {Status}: {Reason}")]
    private static partial void LogBadRequest(ILogger logger, int status, string method, PathString path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answered {Method} {Path} with 503: {Reason} ({Cause})")]
    private static partial void LogUnavailable(ILogger logger, string method, PathString path, string reason, string cause);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answered {Method} {Path} with 504: {Reason} ({Cause})")]
    private static partial void LogOutcomeUnknown(ILogger logger, string method, PathString path, string reason, string cause);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, PathString path);
}
