using System.Diagnostics;

namespace DotnetFargate.Tests;

/// <summary>Runs a command-line tool the tests need (openssl, postgres.sh) to its end and returns what it printed.</summary>
internal static class ToolProcess
{
    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="arguments"/>; on a non-zero exit, throws with
    /// "<paramref name="description"/> failed (code): " followed by its standard error and standard output.
    /// </summary>
    public static async Task<string> RunAsync(string description, string fileName, string[] arguments, string? workingDirectory = null)
    {
        var (exitCode, output, error) = await CaptureAsync(TimeSpan.FromMinutes(10), fileName, arguments, workingDirectory);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{description} failed ({exitCode}): {error}{output}");
        }
        return output;
    }

    /// <summary>Runs <paramref name="fileName"/> to its end (at most <paramref name="timeout"/>) and returns its exit code and output, whatever the code.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> CaptureAsync(
        TimeSpan timeout, string fileName, string[] arguments, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(timeout);
        return (process.ExitCode, await stdout, await stderr);
    }
}
