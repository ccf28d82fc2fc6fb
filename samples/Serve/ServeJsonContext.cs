using System.Text.Json.Serialization;

namespace Serve;

/// <summary>JSON for the answers, generated at build time (no reflection); camelCase as web clients expect.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Prediction))]
[JsonSerializable(typeof(ErrorBody))]
public sealed partial class ServeJsonContext : JsonSerializerContext;
