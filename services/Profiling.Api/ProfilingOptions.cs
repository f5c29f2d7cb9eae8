namespace Profiling.Api;

/// <summary>Bounds on the three diagnostic scenarios, from the "Profiling" configuration section.</summary>
public sealed class ProfilingOptions
{
    public const string Section = "Profiling";
    public const string ValidationMessage =
        "Profiling options out of range: LockWaitTimeoutMs 1-60000, MaxHoldMs 0-10000, HighCpuTimeLimitMs 100-120000, MemoryLeakCapMegabytes 1-4096.";

    /// <summary>How long a /blocking-threads request waits for the contended lock before giving up (503).</summary>
    public int LockWaitTimeoutMs { get; set; } = 10_000;

    /// <summary>Longest a /blocking-threads request may hold the lock (its ?holdMs= is capped here).</summary>
    public int MaxHoldMs { get; set; } = 5_000;

    /// <summary>Wall-clock limit on one /high-cpu computation (503 past it).</summary>
    public int HighCpuTimeLimitMs { get; set; } = 30_000;

    /// <summary>Most memory /memory-leak retains before refusing (409) until DELETE /memory-leak.</summary>
    public int MemoryLeakCapMegabytes { get; set; } = 256;

    public bool IsValid() =>
        LockWaitTimeoutMs is >= 1 and <= 60_000
        && MaxHoldMs is >= 0 and <= 10_000
        && HighCpuTimeLimitMs is >= 100 and <= 120_000
        && MemoryLeakCapMegabytes is >= 1 and <= 4096;
}
