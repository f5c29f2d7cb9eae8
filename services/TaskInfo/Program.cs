// Usage: TaskInfo [file]. Prints one line describing the processor this task runs on (CpuInfo.LogLine), read from
// /proc/cpuinfo unless a file is given, and exits 0; exits 1, saying why, when the file cannot be read.
using DotnetFargate.TaskInfo;

var file = args.Length > 0 ? args[0] : "/proc/cpuinfo";
try
{
    Console.WriteLine(CpuInfo.LogLine(await File.ReadAllTextAsync(file).ConfigureAwait(false)));
    return 0;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    await Console.Error.WriteLineAsync($"task-info: cannot read {file}: {e.Message}").ConfigureAwait(false);
    return 1;
}
