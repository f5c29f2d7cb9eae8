using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DotnetFargate.Tests;

/// <summary>
/// The wiring the ECS task gives the profiling service for its dotnet-monitor sidecar:
/// DOTNET_DiagnosticPorts=&lt;socket&gt;,nosuspend, with the monitor listening on that socket.
/// dotnet-monitor itself is not served by our NuGet mirror, so a plain Unix socket stands in for it
/// and checks the runtime's advertise message (dotnet/diagnostics IPC: "ADVR_V1\0", a 16-byte
/// cookie, the process id as UInt64, 2 reserved bytes).
/// </summary>
public sealed class DiagnosticPortTests
{
    private static string SocketPath() => Path.Combine(Path.GetTempPath(), $"dfm-{Guid.NewGuid():N}"[..12] + ".sock");

    // The BookStore too: its image is Native AOT (its runtime reads DOTNET_DiagnosticPorts as well: dotnet/runtime
    // src/coreclr/nativeaot/Runtime/eventpipe/ds-rt-aot.h), so SERVICES_TEST_PUBLISHED runs this against that build.
    [Theory]
    [InlineData("Profiling.Api")]
    [InlineData("BookStore.Api")]
    public async Task The_runtime_connects_to_a_listening_monitor_and_advertises_its_process(string project)
    {
        var path = SocketPath();
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(4);
        try
        {
            var accepted = listener.AcceptAsync();
            await using var service = await ServiceProcess.StartAsync(project, new Dictionary<string, string>
            {
                ["DOTNET_DiagnosticPorts"] = $"{path},nosuspend",
            });
            using var connection = await accepted.WaitAsync(TimeSpan.FromSeconds(30));

            var advert = new byte[34];
            var read = 0;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (read < advert.Length)
            {
                var n = await connection.ReceiveAsync(advert.AsMemory(read), SocketFlags.None, timeout.Token);
                Assert.True(n > 0, $"the runtime closed the connection after {read} bytes");
                read += n;
            }
            Assert.Equal("ADVR_V1\0", Encoding.ASCII.GetString(advert, 0, 8));
            Assert.NotEqual(Guid.Empty, new Guid(advert.AsSpan(8, 16)));
            Assert.Equal((ulong)service.Pid, BinaryPrimitives.ReadUInt64LittleEndian(advert.AsSpan(24, 8)));

            // The monitor has not answered; with nosuspend the application serves regardless.
            Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/healthz")).StatusCode);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Without_a_monitor_the_application_starts_and_serves()
    {
        // The monitor is not essential: if it never comes up, nosuspend keeps the application serving.
        var path = SocketPath();
        await using var service = await ServiceProcess.StartAsync("Profiling.Api", new Dictionary<string, string>
        {
            ["DOTNET_DiagnosticPorts"] = $"{path},nosuspend",
        });
        Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/high-cpu?nth=10")).StatusCode);
    }
}
