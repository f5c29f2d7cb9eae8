using System.Text.Json;
using System.Text.Json.Serialization;

namespace Prime.Api;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(int))]
internal sealed partial class PrimeJsonContext : JsonSerializerContext;
