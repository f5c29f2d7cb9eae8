using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace DotnetFargate.Platform;

/// <summary>
/// Answers 415 problem details for a request body whose Content-Type names a charset the runtime cannot
/// decode (unknown, empty, or UTF-7, which .NET refuses). Without it the JSON reader's encoding lookup
/// throws an InvalidOperationException deep in model binding, which would surface as a 500.
/// </summary>
/// <remarks>
/// The problem details service comes through the constructor (a singleton) and InvokeAsync takes the HttpContext
/// alone, so UseMiddleware binds InvokeAsync as the RequestDelegate itself. An Invoke with more parameters has them
/// resolved on every request, which in the Native AOT build is a reflection call (dotnet/aspnetcore
/// src/Http/Http.Abstractions/src/Extensions/UseMiddlewareExtensions.cs, read at e76e013: ReflectionMiddlewareBinder
/// binds a one-parameter Invoke with CreateDelegate, and otherwise, when RuntimeFeature.IsDynamicCodeCompiled is false,
/// calls ReflectionFallback's MethodInfo.Invoke per request; that frame was under every request in a perf profile of
/// the Native AOT BookStore).
/// </remarks>
public sealed class CharsetGuard(RequestDelegate next, IProblemDetailsService problems)
{
    public Task InvokeAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType;
        return contentType is not null
            && contentType.Contains("charset", StringComparison.OrdinalIgnoreCase)
            && MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            && !IsUsable(mediaType.Charset.Value)
            ? RefuseAsync(context)
            : next(context);
    }

    private async Task RefuseAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status415UnsupportedMediaType,
                Title = "Unsupported media type.",
                Detail = "The request's charset is not one this service can read; send the body as application/json in UTF-8.",
            },
        });
    }

    private static bool IsUsable(string? charset)
    {
        var name = charset?.Trim('"').Trim();
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }
        try
        {
            return Encoding.GetEncoding(name) is not null;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (NotSupportedException)
        {
            return false;
        }
    }
}
