namespace DotnetFargate.Platform;

/// <summary>
/// Something the request needs outside this process (a database) cannot be reached right now. The
/// exception handler answers 503 problem details with <c>Retry-After</c> and logs a warning, not an
/// error: the process is healthy and will serve again once the dependency is back.
/// </summary>
public sealed class DependencyUnavailableException : Exception
{
    public DependencyUnavailableException(string message, Exception? innerException = null, int retryAfterSeconds = 2)
        : base(message, innerException)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retryAfterSeconds, 1);
        RetryAfterSeconds = retryAfterSeconds;
    }

    public DependencyUnavailableException()
        : this("A dependency of this service is unavailable.")
    {
    }

    public DependencyUnavailableException(string message)
        : this(message, null)
    {
    }

    public DependencyUnavailableException(string message, Exception? innerException)
        : this(message, innerException, 2)
    {
    }

    /// <summary>Seconds a client should wait before retrying; sent as <c>Retry-After</c>.</summary>
    public int RetryAfterSeconds { get; }
}
