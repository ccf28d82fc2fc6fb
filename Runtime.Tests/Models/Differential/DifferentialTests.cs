using System;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models.Differential;

/// <summary>
/// Random architectures drawn from the whole op vocabulary (scripts/golden_differential.py), compiled by the generator
/// and compared with PyTorch 1.13: with PyTorch's weights loaded by <c>state_dict</c> name, one TrainStep must give
/// PyTorch's loss, every parameter's gradient and every buffer (batch norm running statistics), and Forward (eval
/// mode) PyTorch's eval-mode outputs.
/// </summary>
public sealed class DifferentialTests
{
    private static readonly GoldenFile Golden = new("differential.json");

    public static TheoryData<string> Cases() => Golden.CaseNames();

    [Theory]
    [MemberData(nameof(Cases))]
    public void LossGradientsAndOutputsMatchPyTorch(string name)
    {
        JsonElement c = Golden.Case(name);
        int batch = c.GetProperty("batch").GetInt32();
        Type type = typeof(DifferentialTests).Assembly.GetType($"{typeof(DifferentialTests).Namespace}.{name}", throwOnError: true)!;
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
        float[] inputs = Floats(c.GetProperty("inputs"));
        float[] outputs = new float[batch * model.OutputSize];
        model.Forward(inputs, outputs, batch);
        AssertClose(Floats(c.GetProperty("outputs")), outputs, $"{name} outputs");

        JsonElement targets = c.GetProperty("targets");
        float loss = model switch
        {
            IModel classifier => classifier.TrainStep(inputs, targets.EnumerateArray().Select(t => t.GetInt32()).ToArray(), batch),
            IProbabilityTargetModel regressor => regressor.TrainStep(inputs, Floats(targets), batch),
            _ => throw new InvalidOperationException($"{name} is not trainable."),
        };
        Assert.Equal(c.GetProperty("loss").GetDouble(), loss, Tolerance(c.GetProperty("loss").GetDouble()));

        // A gradient that is zero in exact arithmetic (a Linear bias right before a batch norm, which subtracts the
        // batch mean) is float rounding noise on both sides, as large as the model's largest gradient allows: the
        // absolute tolerance scales with that.
        double modelScale = c.GetProperty("gradients").EnumerateObject().SelectMany(g => Floats(g.Value)).Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();
        foreach (JsonProperty gradient in c.GetProperty("gradients").EnumerateObject())
        {
            AssertClose(Floats(gradient.Value), model.Parameters.GradientsOf(model.Parameters[gradient.Name]).ToArray(), $"{name} {gradient.Name} gradient", 1e-5 * Math.Max(1, modelScale));
        }

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

    private static double Tolerance(double expected) => 1e-5 + (1e-4 * Math.Abs(expected));

    /// <summary>Elementwise within <paramref name="absolute"/> plus 1e-4 of the tensor's largest magnitude (float32 rounding through a few layers).</summary>
    private static void AssertClose(float[] expected, float[] actual, string what, double absolute = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Length == 0 ? 0 : expected.Max(v => Math.Abs((double)v));
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - (double)actual[i]);
            Assert.True(error <= absolute + (1e-4 * scale), $"{what}[{i}]: expected {expected[i]}, got {actual[i]} (error {error:G3}, scale {scale:G3})");
        }
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
}
