// Usage: MonitorTls <directory>. Writes the task's certificate and key for dotnet-monitor's HTTPS listener
// (TaskCertificate) and exits 0, or prints why not and exits 1, so the monitor (dependsOn SUCCESS) never starts
// without them.
using DotnetFargate.MonitorTls;

if (args.Length != 1 || !Path.IsPathRooted(args[0]))
{
    await Console.Error.WriteLineAsync("usage: MonitorTls <absolute directory>").ConfigureAwait(false);
    return 2;
}
try
{
    var (certificatePath, keyPath) = TaskCertificate.Write(args[0], DateTimeOffset.UtcNow);
    Console.WriteLine($"monitor-tls: wrote {certificatePath} and {keyPath}");
    return 0;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    await Console.Error.WriteLineAsync($"monitor-tls: cannot write to {args[0]}: {e.Message}").ConfigureAwait(false);
    return 1;
}
