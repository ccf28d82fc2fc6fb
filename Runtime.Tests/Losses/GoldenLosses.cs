using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace StaticGrad.Runtime.Tests.Losses;

/// <summary>One case of the fixture written by scripts/golden_losses.py: a PyTorch loss call and its float64 results.</summary>
internal sealed record GoldenLossCase(
    string Name,
    string Kind,
    int Rows,
    int Cols,
    Reduction Reduction,
    int IgnoreIndex,
    float LabelSmoothing,
    double Loss,
    double LossFloat32PyTorch,
    float[] Logits,
    float[] Gradient,
    int[]? Labels,
    float[]? Targets,
    float[]? Weights,
    float[]? PosWeight,
    float[]? Losses)
{
    public override string ToString() => Name;
}

/// <summary>Loads Runtime.Tests/Golden/losses.json and losses.bin.</summary>
internal static class GoldenLosses
{
    private static readonly Lazy<IReadOnlyList<GoldenLossCase>> s_cases = new(Load);

    public static IReadOnlyList<GoldenLossCase> Cases => s_cases.Value;

    public static GoldenLossCase Get(string name) => Cases.First(c => c.Name == name);

    private static IReadOnlyList<GoldenLossCase> Load()
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "Golden");
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "losses.json")));
        JsonElement root = manifest.RootElement;
        float[] data = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(directory, root.GetProperty("bin").GetString()!))).ToArray();
        var cases = new List<GoldenLossCase>();
        foreach (JsonElement c in root.GetProperty("cases").EnumerateArray())
        {
            cases.Add(new GoldenLossCase(
                c.GetProperty("name").GetString()!,
                c.GetProperty("kind").GetString()!,
                c.GetProperty("rows").GetInt32(),
                c.GetProperty("cols").GetInt32(),
                c.GetProperty("reduction").GetString() switch
                {
                    "mean" => Reduction.Mean,
                    "sum" => Reduction.Sum,
                    _ => Reduction.None,
                },
                c.GetProperty("ignore_index").GetInt32(),
                (float)c.GetProperty("label_smoothing").GetDouble(),
                Number(c.GetProperty("loss")),
                Number(c.GetProperty("loss_float32_pytorch")),
                Array(c, "logits", data)!,
                Array(c, "gradient", data)!,
                c.TryGetProperty("labels", out JsonElement labels) ? labels.EnumerateArray().Select(e => e.GetInt32()).ToArray() : null,
                Array(c, "targets", data),
                Array(c, "weights", data),
                Array(c, "pos_weight", data),
                Array(c, "losses", data)));
        }

        return cases;
    }

    private static float[]? Array(JsonElement c, string name, float[] data)
    {
        if (!c.TryGetProperty(name, out JsonElement entry))
        {
            return null;
        }

        return data.AsSpan(entry.GetProperty("offset").GetInt32(), entry.GetProperty("count").GetInt32()).ToArray();
    }

    private static double Number(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? double.Parse(e.GetString()!, CultureInfo.InvariantCulture)
        : e.GetDouble();
}
