using System.Text;
using System.Text.Json;

namespace DotnetFargate.TaskInfo;

/// <summary>
/// The log line the benchmark reads: the first processor's block of /proc/cpuinfo verbatim and how many processors
/// the file lists. Naming the model (x86's "model name", or arm64's implementer and part codes) is left to the
/// reader, so one parser (bench/processors.ts) reads this line and a local machine's /proc/cpuinfo alike.
/// </summary>
public static class CpuInfo
{
    /// <summary>The prefix that marks the line in a log stream.</summary>
    public const string Marker = "task-info ";

    public static string LogLine(string cpuinfo)
    {
        var blocks = cpuinfo.Replace("\r\n", "\n", StringComparison.Ordinal)
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // On arm64 the file may end with lines common to all processors (none on the kernels Fargate runs, but
        // harmless to skip): count the blocks that start with "processor".
        var processors = blocks.Count(b => b.StartsWith("processor", StringComparison.Ordinal));
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("processors", processors);
            json.WriteString("cpuinfo", blocks.Length > 0 ? blocks[0] : "");
            json.WriteEndObject();
        }
        return Marker + Encoding.UTF8.GetString(buffer.ToArray());
    }
}
