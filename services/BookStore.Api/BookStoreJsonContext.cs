using System.Text.Json;
using System.Text.Json.Serialization;
using BookStore.Api.Contracts;
using BookStore.Api.Store;

namespace BookStore.Api;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SeedState))]
[JsonSerializable(typeof(CategoryResponse))]
[JsonSerializable(typeof(List<CategoryResponse>))]
[JsonSerializable(typeof(BookResponse))]
[JsonSerializable(typeof(List<BookResponse>))]
[JsonSerializable(typeof(InventoryResponse))]
[JsonSerializable(typeof(OrderResponse))]
[JsonSerializable(typeof(List<OrderResponse>))]
[JsonSerializable(typeof(CreateCategoryRequest))]
[JsonSerializable(typeof(UpdateCategoryRequest))]
[JsonSerializable(typeof(CreateBookRequest))]
[JsonSerializable(typeof(UpdateBookRequest))]
[JsonSerializable(typeof(InventoryRequest))]
[JsonSerializable(typeof(CreateOrderRequest))]
internal sealed partial class BookStoreJsonContext : JsonSerializerContext;
