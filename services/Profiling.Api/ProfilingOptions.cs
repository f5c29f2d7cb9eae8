using DotnetFargate.Platform;

namespace Profiling.Api;

/// <summary>Bounds on the three diagnostic scenarios, from the "Profiling" configuration section.</summary>
public sealed class ProfilingOptions
{
    public const string Section = "Profiling";

    /// <summary>How long a /blocking-threads request waits for the contended lock before giving up (503).</summary>
    public int LockWaitTimeoutMs { get; init; } = 10_000;

    /// <summary>Longest a /blocking-threads request may hold the lock (its ?holdMs= is capped here).</summary>
    public int MaxHoldMs { get; init; } = 5_000;

    /// <summary>Wall-clock limit on one /high-cpu computation (503 past it).</summary>
    public int HighCpuTimeLimitMs { get; init; } = 30_000;

    /// <summary>Most memory /memory-leak retains before refusing (409) until DELETE /memory-leak.</summary>
    public int MemoryLeakCapMegabytes { get; init; } = 256;

    /// <summary>The section's settings, each within its range, or the start stops naming the first that is not.</summary>
    public static ProfilingOptions From(IConfiguration section)
    {
        var defaults = new ProfilingOptions();
        return new ProfilingOptions
        {
            LockWaitTimeoutMs = section.GetInt(nameof(LockWaitTimeoutMs), defaults.LockWaitTimeoutMs, 1, 60_000),
            MaxHoldMs = section.GetInt(nameof(MaxHoldMs), defaults.MaxHoldMs, 0, 10_000),
            HighCpuTimeLimitMs = section.GetInt(nameof(HighCpuTimeLimitMs), defaults.HighCpuTimeLimitMs, 100, 120_000),
            MemoryLeakCapMegabytes = section.GetInt(nameof(MemoryLeakCapMegabytes), defaults.MemoryLeakCapMegabytes, 1, 4096),
        };
    }
}
