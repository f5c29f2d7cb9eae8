using System.Net.Sockets;
using System.Text;

namespace DotnetFargate.Tests;

/// <summary>
/// HTTP/1.1 over a bare socket, for a body the server refuses before it is all sent: HttpClient
/// reports the broken pipe and loses the response; this keeps writing until the server stops
/// reading, then reads whatever the server answered.
/// </summary>
internal static class RawHttp
{
    public sealed record Response(int Status, string ContentType, string Body);

    public static async Task<Response> PostAsync(Uri baseAddress, string path, byte[] body, bool chunked)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(baseAddress.Host, baseAddress.Port);
        var stream = tcp.GetStream();
        var head = new StringBuilder()
            .Append("POST ").Append(path).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(baseAddress.Authority).Append("\r\n")
            .Append("Content-Type: application/json\r\n")
            .Append(chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {body.Length}\r\n")
            .Append("Connection: close\r\n\r\n")
            .ToString();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            const int chunk = 8 * 1024;
            for (var offset = 0; offset < body.Length; offset += chunk)
            {
                var length = Math.Min(chunk, body.Length - offset);
                if (chunked)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"{length:x}\r\n"));
                }
                await stream.WriteAsync(body.AsMemory(offset, length));
                if (chunked)
                {
                    await stream.WriteAsync("\r\n"u8.ToArray());
                }
            }
            if (chunked)
            {
                await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
            }
        }
        catch (IOException)
        {
            // The server answered and closed before reading everything: expected for an oversized body.
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cts.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException) when (received.Length > 0)
        {
            // connection reset after the response arrived
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, $"No HTTP response received: '{text}'");
        var lines = text[..split].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var contentType = lines.Skip(1)
            .Where(l => l.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))
            .Select(l => l["Content-Type:".Length..].Trim())
            .FirstOrDefault() ?? "";
        var responseBody = text[(split + 4)..];
        if (lines.Any(l => l.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)))
        {
            responseBody = Dechunk(responseBody);
        }
        return new Response(status, contentType, responseBody);
    }

    private static string Dechunk(string body)
    {
        var result = new StringBuilder();
        var position = 0;
        while (position < body.Length)
        {
            var lineEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
            var size = Convert.ToInt32(body[position..lineEnd].Split(';')[0], 16);
            if (size == 0)
            {
                break;
            }
            result.Append(body, lineEnd + 2, size);
            position = lineEnd + 2 + size + 2;
        }
        return result.ToString();
    }
}
