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
public sealed class CharsetGuard(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        var contentType = context.Request.ContentType;
        if (contentType is not null
            && contentType.Contains("charset", StringComparison.OrdinalIgnoreCase)
            && MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            && !IsUsable(mediaType.Charset.Value))
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
            return;
        }
        await next(context);
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
