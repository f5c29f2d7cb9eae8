using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DotnetFargate.Tests;

/// <summary>
/// The TLS leg from the load balancer to dotnet-monitor: the real MonitorTls tool writes the task's certificate where
/// the program's init container points it, and Kestrel, configured from the monitor's settings in the program's task
/// definition (test/fixtures/monitor-tls.ts, run with node; /diag mapped to a temporary folder), serves HTTPS with it.
/// Kestrel is set up as dotnet-monitor v10.0.3 does it: src/Tools/dotnet-monitor/HostBuilder/HostBuilderHelper.cs
/// (DOTNETMONITOR_-prefixed environment settings; the "Kestrel" section loaded with Configure(...).Load()) and
/// src/Tools/dotnet-monitor/AddressListenResults.cs (an https URL gets UseHttps() with no certificate argument, so
/// Kestrel takes Certificates:Default). Only a real task shows the ALB and the volume doing their part.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // Unix file modes; the task runs on Linux.
public sealed class MonitorTlsTests : IDisposable
{
    private readonly DirectoryInfo _diag = Directory.CreateTempSubdirectory("monitor-tls-");
    private static readonly Lazy<JsonElement> Fixture = new(() => NodeFixture.Run("monitor-tls.js"));

    public void Dispose() => _diag.Delete(recursive: true);

    [Fact]
    public async Task The_tool_writes_a_key_only_its_user_reads_and_Kestrel_serves_https_with_it_as_dotnet_monitor_configures_it()
    {
        var directory = RunTool();
        var key = Path.Combine(directory, "monitor.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        Assert.DoesNotContain(Directory.GetFiles(directory), f => f.EndsWith(".tmp", StringComparison.Ordinal));

        using var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(directory, "monitor.crt"), key);
        Assert.True(certificate.HasPrivateKey, "the key file is the certificate's key");
        Assert.Equal("CN=dotnet-monitor", certificate.Subject);
        Assert.InRange(certificate.NotAfter, DateTime.Now.AddDays(396), DateTime.Now.AddDays(398));
        var expected = certificate.GetCertHashString(HashAlgorithmName.SHA256);

        await using var app = await StartKestrelAsync();
        string? presented = null;
        using var handler = new SocketsHttpHandler();
        // Pinned to the file's certificate: accepted only if Kestrel presents exactly that one.
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
        {
            presented = cert?.GetCertHashString(HashAlgorithmName.SHA256);
            return presented == expected;
        };
        using var client = new HttpClient(handler);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        using var response = await client.GetAsync(new Uri(new Uri(address), "/processes"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("https", new Uri(address).Scheme);
        Assert.Equal(expected, presented);
    }

    [Fact]
    public void A_second_run_replaces_the_key()
    {
        var directory = RunTool();
        var first = File.ReadAllText(Path.Combine(directory, "monitor.key"));
        RunTool();
        Assert.NotEqual(first, File.ReadAllText(Path.Combine(directory, "monitor.key")));
    }

    [Fact]
    public void The_tool_refuses_a_relative_directory()
    {
        var (exitCode, _, error) = Run("tls");
        Assert.Equal(2, exitCode);
        Assert.Contains("usage: MonitorTls <absolute directory>", error, StringComparison.Ordinal);
    }

    /// <summary>Runs MonitorTls with the init container's command, /diag mapped to this test's folder; returns the folder it wrote.</summary>
    private string RunTool()
    {
        var f = Fixture.Value;
        var command = f.GetProperty("initCommand").EnumerateArray().Select(a => Local(a.GetString()!)).ToArray();
        var (exitCode, output, error) = Run(command);
        Assert.True(exitCode == 0, $"MonitorTls failed: {error}");
        Assert.Contains("monitor-tls: wrote", output, StringComparison.Ordinal);
        return command[0];
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Paths.ServiceDll("MonitorTls"), .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "MonitorTls finished within a minute");
        return (process.ExitCode, output.Result, error.Result);
    }

    private string Local(string taskPath)
    {
        var diag = Fixture.Value.GetProperty("diagPath").GetString()!;
        Assert.StartsWith(diag + "/", taskPath, StringComparison.Ordinal);
        return Path.Combine(_diag.FullName, taskPath[(diag.Length + 1)..]);
    }

    private async Task<WebApplication> StartKestrelAsync()
    {
        var f = Fixture.Value;
        Assert.StartsWith("https://", f.GetProperty("urls").GetString(), StringComparison.Ordinal);
        // DOTNETMONITOR_Kestrel__A__B is the setting Kestrel:A:B (the environment variables provider's rule).
        var settings = f.GetProperty("kestrel").EnumerateObject().ToDictionary(
            p => p.Name["DOTNETMONITOR_".Length..].Replace("__", ":", StringComparison.Ordinal),
            p => (string?)Local(p.Value.GetString()!));
        Assert.Equal(["Kestrel:Certificates:Default:KeyPath", "Kestrel:Certificates:Default:Path"], settings.Keys.Order());

        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.ConfigureKestrel((context, options) =>
        {
            options.Configure(context.Configuration.GetSection("Kestrel")).Load();
            options.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps());
        });
        var app = builder.Build();
        app.MapGet("/processes", () => "[]");
        await app.StartAsync();
        return app;
    }
}
