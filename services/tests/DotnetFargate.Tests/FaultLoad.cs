using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace DotnetFargate.Tests;

/// <summary>
/// Load on the BookStore while a fault is injected, and what it saw: clients reading the book list and placing
/// one-book orders in a loop (each request's status and duration), /healthz and /ready polled every 100 ms on
/// connections of their own (latency, status), and the process's thread count, all on one clock.
/// </summary>
internal sealed class FaultLoad : IAsyncDisposable
{
    public sealed record Answer(TimeSpan At, int Status, TimeSpan Took, bool Labelled, bool Order);
    public sealed record Probe(TimeSpan At, int Status, TimeSpan Took);
    public sealed record ThreadSample(TimeSpan At, int Count);

    private readonly ServiceProcess _service;
    private readonly int _book;
    private readonly HttpClient _load;
    private readonly HttpClient _health;
    private readonly HttpClient _ready;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private readonly int _orderClients;

    private FaultLoad(ServiceProcess service, int book, int clients)
    {
        _service = service;
        _orderClients = clients / 2;
        _book = book;
        _load = service.CreateClient(TimeSpan.FromSeconds(60));
        _health = service.CreateClient(TimeSpan.FromSeconds(60));
        _ready = service.CreateClient(TimeSpan.FromSeconds(60));
        var workers = Enumerable.Range(0, clients).Select(i => ClientAsync(order: i % 2 == 1)).ToList();
        workers.Add(PollAsync(_health, "/healthz", Healthz));
        workers.Add(PollAsync(_ready, "/ready", Ready));
        workers.Add(SampleThreadsAsync());
        _running = Task.WhenAll(workers);
    }

    public static FaultLoad Start(ServiceProcess service, int book, int clients = 20) => new(service, book, clients);

    public TimeSpan Now => _clock.Elapsed;
    public ConcurrentQueue<Answer> Answers { get; } = new();
    public ConcurrentQueue<Probe> Healthz { get; } = new();
    public ConcurrentQueue<Probe> Ready { get; } = new();
    public ConcurrentQueue<ThreadSample> Threads { get; } = new();
    public ConcurrentQueue<string> Failures { get; } = new();

    public IEnumerable<Answer> Between(TimeSpan from, TimeSpan to) => Answers.Where(a => a.At >= from && a.At < to);

    public static string Statuses(IEnumerable<Answer> answers) => string.Join(", ",
        answers.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));

    /// <summary>The first /ready answer with <paramref name="status"/> that arrived at or after <paramref name="from"/>.</summary>
    public Probe? FirstReady(TimeSpan from, int status) =>
        Ready.Where(p => p.At + p.Took >= from && p.Status == status).MinBy(p => p.At + p.Took);

    /// <summary>
    /// Every answer was a success, a 503 that says when to retry, or a 504 for an order whose COMMIT was on the wire
    /// when the fault cut its connection (the order may have been made, so no retry is invited): such an order is
    /// at most one per order client, and started before the fault ended at <paramref name="faultEnded"/>.
    /// </summary>
    public void AssertOnlySuccessOr503AndCommitsInFlight(TimeSpan faultEnded, string figures)
    {
        Assert.Empty(Answers.Select(a => a.Status).Distinct().Except([200, 201, 503, 504]));
        Assert.All(Answers, a => Assert.True(a.Labelled, $"a {a.Status} at {a.At.TotalSeconds:0.00} s: a 503 needs Retry-After and problem details, a 504 problem details and no Retry-After"));
        var unknown = Answers.Where(a => a.Status == 504).ToList();
        Assert.True(unknown.All(a => a.Order && a.At < faultEnded) && unknown.Count <= _orderClients,
            $"504s: {unknown.Count}, at most {_orderClients} orders in flight, all before {faultEnded.TotalSeconds:0.00} s: {figures}");
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing after <paramref name="limit"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan limit, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < limit, $"{what}: not within {limit.TotalSeconds} s");
            await Task.Delay(50);
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _running;
    }

    private async Task ClientAsync(bool order)
    {
        var api = new BookStoreClient(_load);
        while (!_stop.IsCancellationRequested)
        {
            var started = _clock.Elapsed;
            try
            {
                using var response = order
                    ? await api.PlaceOrderAsync(_book)
                    : await _load.GetAsync("/api/books", CancellationToken.None);
                var status = (int)response.StatusCode;
                // A 503 says when to retry; a 504 (a commit the database did not confirm) must not invite a retry.
                var problem = response.Content.Headers.ContentType?.MediaType == HttpAssert.ProblemJson;
                var labelled = status switch
                {
                    503 => problem && response.Headers.RetryAfter is not null,
                    504 => problem && response.Headers.RetryAfter is null,
                    _ => true,
                };
                Answers.Enqueue(new Answer(started, status, _clock.Elapsed - started, labelled, order));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Failures.Enqueue($"{(order ? "order" : "read")} at {started.TotalSeconds:0.0} s: {e.GetType().Name}: {e.Message}");
            }
            await Task.Delay(5, CancellationToken.None);
        }
    }

    private async Task PollAsync(HttpClient client, string path, ConcurrentQueue<Probe> into)
    {
        while (!_stop.IsCancellationRequested)
        {
            var started = _clock.Elapsed;
            try
            {
                using var response = await client.GetAsync(path, CancellationToken.None);
                into.Enqueue(new Probe(started, (int)response.StatusCode, _clock.Elapsed - started));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Failures.Enqueue($"{path} at {started.TotalSeconds:0.0} s: {e.GetType().Name}: {e.Message}");
            }
            await Task.Delay(100, CancellationToken.None);
        }
    }

    private async Task SampleThreadsAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            if (ThreadCount(_service.Pid) is { } count)
            {
                Threads.Enqueue(new ThreadSample(_clock.Elapsed, count));
            }
            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>The process's thread count, from the Threads line of /proc/PID/status (Linux).</summary>
    private static int? ThreadCount(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Threads:", StringComparison.Ordinal));
            return line is null ? null : int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null; // the process is gone
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
        _stop.Dispose();
        _load.Dispose();
        _health.Dispose();
        _ready.Dispose();
    }
}
