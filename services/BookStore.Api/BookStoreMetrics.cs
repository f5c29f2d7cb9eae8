using System.Diagnostics.Metrics;

namespace BookStore.Api;

/// <summary>The BookStore's business counters, exported with the HTTP metrics on /metrics.</summary>
public sealed class BookStoreMetrics
{
    public const string MeterName = "DotnetFargate.BookStore";

    private readonly Counter<long> _booksCreated;
    private readonly Counter<long> _booksDeleted;
    private readonly Counter<long> _ordersPlaced;
    private readonly Counter<long> _ordersRejected;
    private readonly Counter<long> _ordersCancelled;
    private readonly Counter<long> _unitsSold;

    public BookStoreMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _booksCreated = meter.CreateCounter<long>("bookstore.books.created", "{book}", "Books added to the catalogue.");
        _booksDeleted = meter.CreateCounter<long>("bookstore.books.deleted", "{book}", "Books removed from the catalogue.");
        _ordersPlaced = meter.CreateCounter<long>("bookstore.orders.placed", "{order}", "Orders accepted.");
        _ordersRejected = meter.CreateCounter<long>("bookstore.orders.rejected", "{order}", "Orders refused, by reason.");
        _ordersCancelled = meter.CreateCounter<long>("bookstore.orders.cancelled", "{order}", "Orders cancelled (stock restored).");
        _unitsSold = meter.CreateCounter<long>("bookstore.books.ordered", "{book}", "Book units taken off the stock by orders.");
    }

    public void BookCreated() => _booksCreated.Add(1);
    public void BookDeleted() => _booksDeleted.Add(1);

    public void OrderPlaced(int units)
    {
        _ordersPlaced.Add(1);
        _unitsSold.Add(units);
    }

    public void OrderRejected(string reason) => _ordersRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public void OrderCancelled() => _ordersCancelled.Add(1);
}
