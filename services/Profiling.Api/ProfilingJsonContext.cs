using System.Text.Json;
using System.Text.Json.Serialization;

namespace Profiling.Api;

public sealed record BlockingResult(long LockWaitMs, int HeldMs);

public sealed record HighCpuResult(int Nth, int Prime, long ElapsedMs);

public sealed record MemoryLeakState(int RetainedBlocks, long RetainedBytes, long CapBytes);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(BlockingResult))]
[JsonSerializable(typeof(HighCpuResult))]
[JsonSerializable(typeof(MemoryLeakState))]
internal sealed partial class ProfilingJsonContext : JsonSerializerContext;
