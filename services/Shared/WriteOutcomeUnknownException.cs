namespace DotnetFargate.Platform;

/// <summary>
/// A change was sent to a dependency (a database's COMMIT) and no answer came in time, or the connection broke:
/// it may or may not have been made. The exception handler answers 504 problem details without <c>Retry-After</c>,
/// so that no client is told to repeat a request that may already have taken effect (an order placed twice).
/// </summary>
public sealed class WriteOutcomeUnknownException : Exception
{
    public WriteOutcomeUnknownException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public WriteOutcomeUnknownException()
        : this("A change was sent to a dependency of this service and not confirmed: it may or may not have been made.")
    {
    }

    public WriteOutcomeUnknownException(string message)
        : this(message, null)
    {
    }
}
