using System.Diagnostics;
using System.Text.Json;

namespace DotnetFargate.Tests;

/// <summary>
/// Runs a node fixture of the Pulumi program (test/fixtures, compiled to bin/test/fixtures) and parses its JSON.
/// `npm test` compiles the program first; a plain `dotnet test` finds no bin/ and compiles it here, once, with the
/// repository's own TypeScript compiler (node_modules, from `npm ci`).
/// </summary>
internal static class NodeFixture
{
    private static readonly Lazy<string> RepositoryRoot = new(FindRepositoryRoot);
    private static readonly Lazy<Task> Compiled = new(CompileProgramAsync);

    public static JsonElement Run(string fixture, params string[] arguments)
    {
        var root = RepositoryRoot.Value;
        var script = Path.Combine(root, "bin", "test", "fixtures", fixture);
        if (!File.Exists(script))
        {
            Compiled.Value.GetAwaiter().GetResult();
            Assert.True(File.Exists(script), $"{script} is missing after compiling the program: is test/fixtures/{Path.ChangeExtension(fixture, ".ts")} gone?");
        }
        var (exitCode, output, error) = ToolProcess.CaptureAsync(TimeSpan.FromSeconds(60), "node", [script, .. arguments], root)
            .GetAwaiter().GetResult();
        Assert.True(exitCode == 0, $"node {script} failed: {error}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private static async Task CompileProgramAsync()
    {
        var root = RepositoryRoot.Value;
        var tsc = Path.Combine(root, "node_modules", "typescript", "bin", "tsc");
        if (!File.Exists(tsc))
        {
            throw new InvalidOperationException($"The Pulumi program is not built (no {Path.Combine(root, "bin")}) and cannot be: {tsc} is missing; run `npm ci` (or `npm run build`) in {root} first.");
        }
        var watch = Stopwatch.StartNew();
        await ToolProcess.RunAsync("compiling the Pulumi program (tsc)", "node", [tsc, "-p", Path.Combine(root, "tsconfig.json")], root);
        Console.WriteLine($"NodeFixture: compiled the Pulumi program in {watch.Elapsed.TotalSeconds:F0} s");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Paths.ServicesRoot).Parent; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "package.json")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No package.json above {Paths.ServicesRoot}: the node fixtures need the Pulumi program beside services/.");
    }
}
