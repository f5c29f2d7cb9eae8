using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace DotnetFargate.Tests;

/// <summary>
/// One service started as it runs in production (a separate `dotnet Service.dll` process,
/// Production environment) on a free loopback port chosen by Kestrel (--urls http://127.0.0.1:0);
/// the port is read from the service's own JSON "Now listening on" log line. With SERVICES_TEST_PUBLISHED set to a
/// folder that holds &lt;Project&gt;/&lt;Project&gt; (a publish's executable, e.g. Native AOT), that project runs from there.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process)
    {
        _process = process;
    }

    public Uri BaseAddress { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public IReadOnlyCollection<string> StdoutLines => _stdout;
    public IReadOnlyCollection<string> StderrLines => _stderr;

    public static async Task<ServiceProcess> StartAsync(
        string project, IReadOnlyDictionary<string, string>? environment = null)
    {
        var published = Paths.PublishedExecutable(project);
        var dll = published ?? Paths.ServiceDll(project);
        var info = new ProcessStartInfo(published ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        if (published is null)
        {
            info.ArgumentList.Add(dll);
        }
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment.Remove("DOTNET_ENVIRONMENT");
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var service = new ServiceProcess(process);
        process.OutputDataReceived += (_, e) => service.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                service._stderr.Enqueue(e.Data);
            }
        };
        process.Exited += (_, _) =>
        {
            if (service._listening.Task.IsCompleted)
            {
                return; // a normal stop after start-up
            }
            try
            {
                process.WaitForExit(); // drains the redirected streams, so stderr is complete below
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                // already disposed by the test
            }
            service._listening.TrySetException(new InvalidOperationException(
                $"{project} exited with code {ExitCodeOf(process)} before listening. stderr: {string.Join('\n', service._stderr)}"));
        };

        process.Start();
        OrphanGuard.Watch(process.Id);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            service.BaseAddress = await service._listening.Task.WaitAsync(StartTimeout);
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
        service.Client = service.CreateClient();
        return service;
    }

    public HttpClient CreateClient(TimeSpan? timeout = null) => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        BaseAddress = BaseAddress,
        Timeout = timeout ?? TimeSpan.FromSeconds(60),
    };

    private static string ExitCodeOf(Process process)
    {
        try
        {
            return process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "unknown";
        }
    }

    /// <summary>Sends SIGTERM, as ECS does when it stops a task.</summary>
    public async Task SendSigtermAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        })!;
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>True if the process exited within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void OnStdout(string? line)
    {
        if (line is null)
        {
            return;
        }
        _stdout.Enqueue(line);
        var match = ListeningRegex().Match(line);
        if (match.Success)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already gone
        }
        _process.Dispose();
    }

    [GeneratedRegex("Now listening on: (http://127\\.0\\.0\\.1:\\d+)")]
    private static partial Regex ListeningRegex();
}

internal static class Paths
{
    private static readonly string Configuration =
        typeof(Paths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "Configuration").Value!;

    public static string ServicesRoot { get; } = FindServicesRoot();

    public static string ServiceDll(string project)
    {
        var dll = Path.Combine(ServicesRoot, project, "bin", Configuration, "net10.0", project + ".dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Build {project} in {Configuration} first (dotnet build services/DotnetFargate.slnx -c {Configuration}).", dll);
        }
        return dll;
    }

    /// <summary>Names a folder of published services to test instead of the build output (see ServiceProcess).</summary>
    public const string PublishedVariable = "SERVICES_TEST_PUBLISHED";

    /// <summary>The project's published executable under SERVICES_TEST_PUBLISHED, or null to run the build's dll.</summary>
    public static string? PublishedExecutable(string project)
    {
        var folder = Environment.GetEnvironmentVariable(PublishedVariable);
        if (string.IsNullOrEmpty(folder))
        {
            return null;
        }
        var executable = Path.Combine(Path.GetFullPath(folder), project, project);
        return File.Exists(executable) ? executable : null;
    }

    private static string FindServicesRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DotnetFargate.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Could not find services/DotnetFargate.slnx above the test binaries.");
    }
}
