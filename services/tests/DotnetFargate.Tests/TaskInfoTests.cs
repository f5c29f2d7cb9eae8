
namespace DotnetFargate.Tests;

/// <summary>
/// The task-info container (services/TaskInfo): the real tool reads a /proc/cpuinfo and prints one line, and the
/// benchmark's reader (bench/processors.ts, through the node fixture test/fixtures/task-info.ts) names the processor
/// from that line. Samples in test/fixtures/cpuinfo, in the kernel's arm64 and x86 layouts.
/// </summary>
public sealed class TaskInfoTests
{
    private static readonly string Samples = Path.Combine(Paths.ServicesRoot, "..", "test", "fixtures", "cpuinfo");

    [Theory]
    [InlineData("graviton2.txt", "AWS Graviton2 (Arm Neoverse-N1)")]
    [InlineData("graviton3.txt", "AWS Graviton3 (Arm Neoverse-V1)")]
    [InlineData("graviton4.txt", "AWS Graviton4 (Arm Neoverse-V2)")]
    [InlineData("xeon-8259cl.txt", "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz")]
    [InlineData("epyc-7r13.txt", "AMD EPYC 7R13 Processor")]
    public async Task TheLineItWritesNamesTheProcessorAsTheBenchmarkReadsIt(string sample, string model)
    {
        var (exitCode, output, error) = await Run(Path.Combine(Samples, sample));
        Assert.True(exitCode == 0, error);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var read = NodeFixture.Run("task-info.js", line)[0];
        Assert.Equal(model, read.GetProperty("model").GetString());
        Assert.Equal(2, read.GetProperty("processors").GetInt32());
    }

    [Fact]
    public async Task ByDefaultItReadsTheProcessorOfTheMachineItRunsOn()
    {
        var (exitCode, output, error) = await Run();
        Assert.True(exitCode == 0, error);
        var cpuinfo = await File.ReadAllTextAsync("/proc/cpuinfo");
        var read = NodeFixture.Run("task-info.js", output.Trim())[0];
        Assert.Equal(cpuinfo.Split('\n').Count(l => l.StartsWith("processor", StringComparison.Ordinal)), read.GetProperty("processors").GetInt32());
        var modelName = cpuinfo.Split('\n').FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        if (modelName is not null)
        {
            Assert.Equal(string.Join(' ', modelName[(modelName.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)), read.GetProperty("model").GetString());
        }
    }

    [Fact]
    public async Task AFileItCannotReadExitsOneNamingTheFile()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-cpuinfo-{Guid.NewGuid():N}");
        var (exitCode, output, error) = await Run(missing);
        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.Contains($"task-info: cannot read {missing}", error, StringComparison.Ordinal);
    }

    private static Task<(int ExitCode, string Output, string Error)> Run(params string[] arguments) =>
        ToolProcess.CaptureAsync(TimeSpan.FromSeconds(60), "dotnet", [Paths.ServiceDll("TaskInfo"), .. arguments]);
}
