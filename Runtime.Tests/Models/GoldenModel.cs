using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// The fixture written by scripts/pytorch_golden_model.py: one forward+loss+backward+optimizer run
/// of the 784-128-10 seed model in PyTorch, from weights and inputs defined by formulas.
/// </summary>
internal sealed class GoldenModel
{
    private readonly JsonElement _arrays;
    private readonly float[] _data;

    private GoldenModel(JsonDocument manifest, float[] data)
    {
        _arrays = manifest.RootElement.GetProperty("arrays");
        _data = data;
        Labels = manifest.RootElement.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Batch = manifest.RootElement.GetProperty("model").GetProperty("batch").GetInt32();
    }

    public int Batch { get; }

    public int[] Labels { get; }

    public static GoldenModel Load()
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "Golden");
        JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "seed_model_step.json")));
        byte[] bytes = File.ReadAllBytes(Path.Combine(directory, manifest.RootElement.GetProperty("bin").GetString()!));
        return new GoldenModel(manifest, MemoryMarshal.Cast<byte, float>(bytes).ToArray());
    }

    public ReadOnlySpan<float> Array(string name)
    {
        foreach (JsonElement entry in _arrays.EnumerateArray())
        {
            if (entry.GetProperty("name").GetString() == name)
            {
                return _data.AsSpan(entry.GetProperty("offset").GetInt32(), entry.GetProperty("count").GetInt32());
            }
        }

        throw new InvalidDataException($"The golden fixture has no array '{name}'.");
    }

    /// <summary>flat[j] = bound_t * sin(1.7 j + 0.3), bound_t = 1/sqrt(fan_in), in double then rounded to float.</summary>
    public static void FillParameters(ParameterSet parameters)
    {
        Span<float> values = parameters.Values;
        foreach (ParameterTensor tensor in parameters.Tensors)
        {
            double bound = 1.0 / Math.Sqrt(tensor.FanIn);
            for (int j = tensor.Offset; j < tensor.Offset + tensor.Length; j++)
            {
                values[j] = (float)(bound * Math.Sin((1.7 * j) + 0.3));
            }
        }
    }

    /// <summary>x[n, i] = 0.5 + 0.5 sin(0.013 (784 n + i) + 0.7).</summary>
    public float[] Inputs()
    {
        var x = new float[Batch * 784];
        for (int k = 0; k < x.Length; k++)
        {
            x[k] = (float)(0.5 + (0.5 * Math.Sin((0.013 * k) + 0.7)));
        }

        return x;
    }
}
