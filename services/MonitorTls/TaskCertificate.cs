using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DotnetFargate.MonitorTls;

/// <summary>
/// A certificate made inside one task, at its start, for the load balancer's leg to that task's dotnet-monitor:
/// an ECDSA P-256 key that never leaves the task's volume (so no private key sits in Pulumi state, a stack file or
/// Secrets Manager), and a self-signed certificate for it. An Application Load Balancer does not validate its
/// targets' certificates (AWS Elastic Load Balancing User Guide, load-balancer-target-groups.html, "Routing
/// configuration"), so self-signed is enough to encrypt the leg inside the VPC.
/// The PEM files are what Kestrel reads from Kestrel:Certificates:Default:Path and :KeyPath.
/// </summary>
public static class TaskCertificate
{
    public const string CertificateFileName = "monitor.crt";
    public const string KeyFileName = "monitor.key";

    /// <summary>
    /// Writes a new key (mode 0600) and certificate (0644) into <paramref name="directory"/> (made 0700 when
    /// missing), replacing what is there, and returns their paths. Valid from five minutes before
    /// <paramref name="now"/> (clock skew) for 397 days.
    /// </summary>
    public static (string CertificatePath, string KeyPath) Write(string directory, DateTimeOffset now)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=dotnet-monitor", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(397));

        var keyPath = Path.Combine(directory, KeyFileName);
        var certificatePath = Path.Combine(directory, CertificateFileName);
        WriteAtomically(keyPath, key.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteAtomically(certificatePath, certificate.ExportCertificatePem(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return (certificatePath, keyPath);
    }

    // A reader never sees a half-written file, and the key's file has its mode from the moment it exists.
    private static void WriteAtomically(string path, string text, UnixFileMode mode)
    {
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
