using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Profiling.Api;

/// <summary>
/// Memory that /memory-leak keeps on purpose: 64 KiB per call, referenced from a singleton so the
/// GC can never free it, up to a cap. DELETE /memory-leak drops the references.
/// </summary>
public sealed class LeakStore(IOptions<ProfilingOptions> options)
{
    public const int BlockBytes = 64 * 1024;

    private readonly Lock _gate = new();
    private readonly List<byte[]> _blocks = [];
    private readonly long _capBytes = options.Value.MemoryLeakCapMegabytes * 1024L * 1024L;

    public long CapBytes => _capBytes;

    /// <summary>Retains one more block; false (and nothing retained) when the cap would be passed.</summary>
    public bool TryLeak(out MemoryLeakState state)
    {
        lock (_gate)
        {
            if ((_blocks.Count + 1L) * BlockBytes > _capBytes)
            {
                state = Snapshot();
                return false;
            }

            var block = new byte[BlockBytes];
            Array.Fill(block, (byte)0xAB); // touch every page so the process's RSS grows too
            _blocks.Add(block);
            state = Snapshot();
            return true;
        }
    }

    public MemoryLeakState Reset()
    {
        lock (_gate)
        {
            var released = Snapshot();
            _blocks.Clear();
            _blocks.TrimExcess();
            return released;
        }
    }

    public MemoryLeakState State()
    {
        lock (_gate)
        {
            return Snapshot();
        }
    }

    private MemoryLeakState Snapshot() => new(_blocks.Count, (long)_blocks.Count * BlockBytes, _capBytes);
}

public static class MemoryLeakEndpoints
{
    public static IEndpointRouteBuilder MapMemoryLeakEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/memory-leak").WithTags("Profiling");
        group.MapGet("/", Leak);
        group.MapGet("/stats", (LeakStore store) => TypedResults.Ok(store.State()));
        group.MapDelete("/", Reset);
        return routes;
    }

    // GET keeps the seed's way of triggering the scenario (a browser or load test hitting the URL).
    internal static Results<Ok<MemoryLeakState>, ProblemHttpResult> Leak(LeakStore store)
    {
        if (!store.TryLeak(out var state))
        {
            return TypedResults.Problem(
                title: "The memory-leak cap is reached.",
                detail: $"{state.RetainedBytes} bytes are retained (cap {state.CapBytes}). DELETE /memory-leak releases them.",
                statusCode: StatusCodes.Status409Conflict);
        }

        return TypedResults.Ok(state);
    }

    internal static Ok<MemoryLeakState> Reset(LeakStore store)
    {
        var released = store.Reset();
        // Give the memory back now rather than at the next natural gen2 collection.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return TypedResults.Ok(released);
    }
}
