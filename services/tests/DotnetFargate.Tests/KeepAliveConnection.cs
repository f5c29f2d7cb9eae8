using System.Net.Sockets;
using System.Text;

namespace DotnetFargate.Tests;

/// <summary>
/// One HTTP/1.1 connection kept alive across requests, over a bare socket: unlike HttpClient (which retries a
/// request on a pooled connection the server closed), it shows exactly how the server ended the connection,
/// an answer, a clean close (FIN) or a reset.
/// </summary>
internal sealed class KeepAliveConnection : IDisposable
{
    public sealed record Response(int Status, bool Close, int BodyLength);

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly Uri _baseAddress;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private KeepAliveConnection(TcpClient tcp, Uri baseAddress)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _baseAddress = baseAddress;
    }

    public static async Task<KeepAliveConnection> OpenAsync(Uri baseAddress)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(baseAddress.Host, baseAddress.Port);
        return new KeepAliveConnection(tcp, baseAddress);
    }

    /// <summary>Sends GET <paramref name="path"/>; null when the server closed the connection cleanly before
    /// answering. A reset surfaces as an IOException.</summary>
    public Task<Response?> GetAsync(string path, CancellationToken ct) => SendAsync("GET", path, null, ct);

    /// <summary>Sends <paramref name="method"/> <paramref name="path"/> with a JSON <paramref name="body"/> when given; as <see cref="GetAsync"/>.</summary>
    public async Task<Response?> SendAsync(string method, string path, string? body, CancellationToken ct)
    {
        var content = body is null ? "" : $"Content-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n";
        var request = $"{method} {path} HTTP/1.1\r\nHost: {_baseAddress.Authority}\r\n{content}\r\n{body}";
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(request), ct);
        var head = await ReadLineBlockAsync(ct);
        if (head is null)
        {
            return null;
        }
        var lines = head.Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var length = headers.TryGetValue("Content-Length", out var declared)
            ? await ReadBodyAsync(int.Parse(declared, System.Globalization.CultureInfo.InvariantCulture), ct)
            : headers.TryGetValue("Transfer-Encoding", out var coding) && coding.Equals("chunked", StringComparison.OrdinalIgnoreCase)
                ? await ReadChunkedAsync(ct)
                : 0;
        var close = headers.TryGetValue("Connection", out var connection) && connection.Equals("close", StringComparison.OrdinalIgnoreCase);
        return new Response(status, close, length);
    }

    /// <summary>True when the server closes the connection cleanly (FIN) within <paramref name="timeout"/>.</summary>
    public async Task<bool> ClosedByServerAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _stream.ReadAsync(_buffer, cts.Token) == 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<string?> ReadLineBlockAsync(CancellationToken ct)
    {
        while (true)
        {
            var text = Encoding.ASCII.GetString(_buffer, _start, _end - _start);
            var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (split >= 0)
            {
                _start += split + 4;
                return text[..split];
            }
            if (!await FillAsync(ct))
            {
                return _end == _start ? null : throw new IOException("The connection closed in the middle of a response head.");
            }
        }
    }

    private async Task<int> ReadBodyAsync(int length, CancellationToken ct)
    {
        while (_end - _start < length)
        {
            if (!await FillAsync(ct))
            {
                throw new IOException("The connection closed in the middle of a response body.");
            }
        }
        _start += length;
        return length;
    }

    private async Task<int> ReadChunkedAsync(CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            var line = await ReadLineAsync(ct);
            var size = Convert.ToInt32(line.Split(';')[0], 16);
            if (size == 0)
            {
                await ReadLineAsync(ct); // the empty line after the last chunk (no trailers)
                return total;
            }
            total += await ReadBodyAsync(size, ct);
            await ReadLineAsync(ct);
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var index = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (index >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, index - _start).TrimEnd('\r');
                _start = index + 1;
                return line;
            }
            if (!await FillAsync(ct))
            {
                throw new IOException("The connection closed in the middle of a chunked body.");
            }
        }
    }

    private async Task<bool> FillAsync(CancellationToken ct)
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), ct);
        _end += read;
        return read > 0;
    }

    public void Dispose() => _tcp.Dispose();
}
