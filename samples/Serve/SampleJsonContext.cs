using System.Text.Json.Serialization;

namespace Serve;

/// <summary>JSON for what the load test's client sends: pixel arrays.</summary>
[JsonSerializable(typeof(float[]))]
public sealed partial class SampleJsonContext : JsonSerializerContext;
