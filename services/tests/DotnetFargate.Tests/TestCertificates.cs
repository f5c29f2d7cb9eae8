using System.Globalization;

namespace DotnetFargate.Tests;

/// <summary>A server certificate and its private key, PEM files, and the names it was made for.</summary>
public sealed record ServerCertificate(string Certificate, string Key, string Names);

/// <summary>
/// A certificate chain made with openssl in a temporary folder, for the database TLS tests: a CA; a server
/// certificate it signed for localhost and 127.0.0.1; one it signed for another name; a second CA that no root
/// file here trusts, and a server certificate for localhost it signed. EC P-256 keys (quick to make), valid two days.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private int _serial = 1;

    private TestCertificates(string directory) => Folder = directory;

    public string Folder { get; }

    /// <summary>The CA the root files trust.</summary>
    public string Ca => Path.Combine(Folder, "ca.crt");

    /// <summary>A CA no root file trusts (except the one test that shows its certificate is otherwise sound).</summary>
    public string UnknownCa => Path.Combine(Folder, "unknown-ca.crt");

    public ServerCertificate Localhost { get; private set; } = null!;
    public ServerCertificate WrongName { get; private set; } = null!;
    public ServerCertificate LocalhostByUnknownCa { get; private set; } = null!;

    public static async Task<TestCertificates> CreateAsync()
    {
        var certificates = new TestCertificates(Directory.CreateTempSubdirectory("bookstore-tls-").FullName);
        try
        {
            await certificates.MakeCaAsync("ca", "DotnetFargate Test CA");
            await certificates.MakeCaAsync("unknown-ca", "DotnetFargate Unknown CA");
            certificates.Localhost = await certificates.MakeServerAsync("localhost", "ca", "localhost", "DNS:localhost,IP:127.0.0.1");
            certificates.WrongName = await certificates.MakeServerAsync("wrong-name", "ca", "db.example.invalid", "DNS:db.example.invalid");
            certificates.LocalhostByUnknownCa = await certificates.MakeServerAsync("localhost-unknown-ca", "unknown-ca", "localhost", "DNS:localhost,IP:127.0.0.1");
            return certificates;
        }
        catch
        {
            certificates.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="parts"/>, PEM texts, one after the other into <paramref name="name"/>; returns its path.</summary>
    public string WriteFile(string name, params string[] parts)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, string.Concat(parts));
        return path;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    private Task MakeCaAsync(string name, string commonName) => OpensslAsync(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-subj", $"/CN={commonName}", "-keyout", PathOf(name + ".key"), "-out", PathOf(name + ".crt"));

    private async Task<ServerCertificate> MakeServerAsync(string name, string ca, string commonName, string subjectAltName)
    {
        var extensions = WriteFile(name + ".ext",
            $"subjectAltName={subjectAltName}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");
        await OpensslAsync("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-subj", $"/CN={commonName}", "-keyout", PathOf(name + ".key"), "-out", PathOf(name + ".csr"));
        await OpensslAsync("x509", "-req", "-in", PathOf(name + ".csr"), "-CA", PathOf(ca + ".crt"), "-CAkey", PathOf(ca + ".key"),
            "-set_serial", (++_serial).ToString(CultureInfo.InvariantCulture), "-days", "2", "-extfile", extensions, "-out", PathOf(name + ".crt"));
        return new ServerCertificate(PathOf(name + ".crt"), PathOf(name + ".key"), subjectAltName);
    }

    private string PathOf(string name) => Path.Combine(Folder, name);

    private static async Task OpensslAsync(params string[] arguments) =>
        await ToolProcess.RunAsync($"openssl {string.Join(' ', arguments)}", "openssl", arguments);
}
