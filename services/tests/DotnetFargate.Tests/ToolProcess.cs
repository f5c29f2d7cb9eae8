using System.Diagnostics;

namespace DotnetFargate.Tests;

/// <summary>Runs a command-line tool the tests need (openssl, postgres.sh) to its end and returns what it printed.</summary>
internal static class ToolProcess
{
    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="arguments"/>; on a non-zero exit, throws with
    /// "<paramref name="description"/> failed (code): " followed by its standard error and standard output.
    /// </summary>
    public static async Task<string> RunAsync(string description, string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{description} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
        return await stdout;
    }
}
