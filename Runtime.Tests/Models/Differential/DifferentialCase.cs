using System;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models.Differential;

/// <summary>
/// What the differential tests share (scripts/golden_differential.py, scripts/golden_differential_cnn.py): building a
/// generated model from its class name, loading PyTorch's <c>state_dict</c> into it, running one training step with the
/// case's targets, and the comparison tolerance.
/// </summary>
internal static class DifferentialCase
{
    /// <summary>The generated model class <paramref name="name"/> of this namespace, with PyTorch's parameters and buffers loaded.</summary>
    public static IInferenceModel CreateWithPyTorchState(string name, JsonElement c)
    {
        Type type = typeof(DifferentialCase).Assembly.GetType($"{typeof(DifferentialCase).Namespace}.{name}", throwOnError: true)!;
        var model = (IInferenceModel)Activator.CreateInstance(type, 7, 32)!;
        foreach (JsonProperty parameter in c.GetProperty("parameters").EnumerateObject())
        {
            if (model.Parameters.TryGetBuffer(parameter.Name, out BufferTensor? buffer) && buffer.ElementType == BufferElementType.Int64)
            {
                model.Parameters.CountersOf(buffer)[0] = parameter.Value[0].GetInt64();
                continue;
            }

            float[] values = Floats(parameter.Value);
            Span<float> destination = buffer is not null ? model.Parameters.ValuesOf(buffer) : model.Parameters.ValuesOf(model.Parameters[parameter.Name]);
            Assert.Equal(values.Length, destination.Length);
            values.CopyTo(destination);
        }

        Assert.Equal(c.GetProperty("parameters").EnumerateObject().Count(), model.Parameters.Tensors.Count + model.Parameters.Buffers.Count);
        return model;
    }

    /// <summary>One <c>TrainStep</c> on the case's inputs and targets (class indices, or floats for the regression and BCE losses).</summary>
    public static float TrainStep(IInferenceModel model, JsonElement c, string name)
    {
        float[] inputs = Floats(c.GetProperty("inputs"));
        JsonElement targets = c.GetProperty("targets");
        int batch = c.GetProperty("batch").GetInt32();
        return model switch
        {
            IModel classifier => classifier.TrainStep(inputs, targets.EnumerateArray().Select(t => t.GetInt32()).ToArray(), batch),
            IProbabilityTargetModel regressor => regressor.TrainStep(inputs, Floats(targets), batch),
            _ => throw new InvalidOperationException($"{name} is not trainable."),
        };
    }

    /// <summary>Every buffer (batch norm running statistics and counters) equals the case's <c>buffers_after</c>.</summary>
    public static void AssertBuffers(IInferenceModel model, JsonElement c, string name)
    {
        foreach (JsonProperty expected in c.GetProperty("buffers_after").EnumerateObject())
        {
            Assert.True(model.Parameters.TryGetBuffer(expected.Name, out BufferTensor? buffer), $"{name} has no buffer {expected.Name}");
            if (buffer.ElementType == BufferElementType.Int64)
            {
                Assert.Equal(expected.Value[0].GetInt64(), model.Parameters.CountersOf(buffer)[0]);
            }
            else
            {
                AssertClose(Floats(expected.Value), model.Parameters.ValuesOf(buffer).ToArray(), $"{name} {expected.Name} after the step");
            }
        }
    }

    /// <summary>The loss tolerance: 1e-5 plus 1e-4 of the loss.</summary>
    public static double LossTolerance(double expected) => 1e-5 + (1e-4 * Math.Abs(expected));

    /// <summary>How far each element of a tensor may be from <paramref name="expected"/> in <see cref="AssertClose"/>.</summary>
    public static double Allowed(float[] expected, double absolute) => absolute + (1e-4 * Scale(expected));

    /// <summary>Elementwise within <paramref name="absolute"/> plus 1e-4 of the tensor's largest magnitude (float32 rounding through a few layers).</summary>
    public static void AssertClose(float[] expected, float[] actual, string what, double absolute = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        double allowed = Allowed(expected, absolute);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - (double)actual[i]);
            Assert.True(error <= allowed, $"{what}[{i}]: expected {expected[i]}, got {actual[i]} (error {error:G3}, scale {Scale(expected):G3})");
        }
    }

    /// <summary>The gradients' absolute tolerance: a gradient that is zero in exact arithmetic is rounding noise as large as the model's largest gradient allows.</summary>
    public static double GradientAbsolute(JsonElement c) => 1e-5 * Math.Max(1, ModelScale(c));

    /// <summary>The model's largest gradient magnitude in the reference.</summary>
    public static double ModelScale(JsonElement c)
        => c.GetProperty("gradients").EnumerateObject().SelectMany(g => Floats(g.Value)).Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();

    /// <summary>A JSON array of numbers as floats.</summary>
    public static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    private static double Scale(float[] values) => values.Length == 0 ? 0 : values.Max(v => Math.Abs((double)v));
}
