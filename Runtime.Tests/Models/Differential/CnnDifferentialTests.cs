using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using StaticGrad.Threading;
using Xunit;
using static StaticGrad.Runtime.Tests.Models.Differential.DifferentialCase;

namespace StaticGrad.Runtime.Tests.Models.Differential;

/// <summary>
/// Random convolutional architectures drawn from the image vocabulary (scripts/golden_differential_cnn.py), compiled by
/// the generator and compared with PyTorch 1.13 (in float64, from the same float32 weights and inputs) within the MLP
/// differential tests' tolerance: with the weights and running statistics loaded by <c>state_dict</c> name, Forward
/// (eval mode) gives PyTorch's eval-mode outputs; one TrainStep its loss, every parameter's gradient and every buffer;
/// one Adam step its parameters. Each model also gives the same bits with one thread and with two.
/// </summary>
public sealed class CnnDifferentialTests
{
    private static readonly GoldenFile Golden = new("differential_cnn.json");

    public static TheoryData<string> Cases() => Golden.CaseNames();

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutputsLossGradientsBuffersAndAdamStepMatchPyTorch(string name)
    {
        JsonElement c = Golden.Case(name);
        int batch = c.GetProperty("batch").GetInt32();
        IInferenceModel model = CreateWithPyTorchState(name, c);
        float[] before = model.Parameters.Values.ToArray();
        float[] outputs = new float[batch * model.OutputSize];
        model.Forward(Floats(c.GetProperty("inputs")), outputs, batch);
        AssertClose(Floats(c.GetProperty("outputs")), outputs, $"{name} eval-mode outputs");

        float loss = TrainStep(model, c, name);
        Assert.Equal(c.GetProperty("loss").GetDouble(), loss, LossTolerance(c.GetProperty("loss").GetDouble()));
        double gradientAbsolute = GradientAbsolute(c);
        foreach (JsonProperty gradient in c.GetProperty("gradients").EnumerateObject())
        {
            AssertGradient(Floats(gradient.Value), model.Parameters.GradientsOf(model.Parameters[gradient.Name]).ToArray(), ModelScale(c), gradientAbsolute, $"{name} {gradient.Name} gradient");
        }

        AssertBuffers(model, c, name);

        float learningRate = (float)Golden.Root.GetProperty("learning_rate").GetDouble();
        new Adam(model.Parameters, learningRate).Step();
        foreach (JsonProperty after in c.GetProperty("parameters_after").EnumerateObject())
        {
            ParameterTensor tensor = model.Parameters[after.Name];
            AssertAdamStep(
                Floats(after.Value), model.Parameters.ValuesOf(tensor).ToArray(), before.AsSpan(tensor.Offset, tensor.Length), Floats(c.GetProperty("gradients").GetProperty(after.Name)),
                gradientAbsolute, learningRate, $"{name} {after.Name} after one Adam step");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneAndTwoThreadsGiveTheSameBits(string name)
    {
        JsonElement c = Golden.Case(name);
        int[] one, two;
        using (Partition.Override(1, splitAlways: false))
        {
            one = Run(name, c);
        }

        // Two threads, every kernel split however small its problem, so each split path runs.
        using (Partition.Override(2, splitAlways: true))
        {
            two = Run(name, c);
        }

        Assert.Equal(one.Length, two.Length);
        int first = Enumerable.Range(0, one.Length).FirstOrDefault(i => one[i] != two[i], -1);
        Assert.True(first < 0, $"{name}: value {first} of the run's results differs with two threads");
    }

    /// <summary>
    /// Each element within the MLP differential tests' tolerance of the float64 reference, except elements that are zero
    /// in exact arithmetic (a bias right before batch norm, which subtracts the batch mean): in float32 those are
    /// rounding noise in any implementation, PyTorch's too, so only their size is bounded.
    /// </summary>
    private static void AssertGradient(float[] expected, float[] actual, double modelScale, double absolute, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double allowed = Allowed(expected, absolute);
        double zero = Golden.Root.GetProperty("zero_gradient").GetDouble() * modelScale;
        double noise = Golden.Root.GetProperty("noise_bound").GetDouble() * Math.Max(1, modelScale);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - (double)actual[i]);
            bool exactZero = Math.Abs(expected[i]) <= zero;
            Assert.True(
                exactZero ? Math.Abs(actual[i]) <= noise : error <= allowed,
                $"{what}[{i}]: expected {expected[i]}, got {actual[i]} (error {error:G3}, allowed {(exactZero ? noise : allowed):G3}{(exactZero ? ", zero in exact arithmetic" : string.Empty)})");
        }
    }

    /// <summary>
    /// Adam's first step is <c>lr · g / (|g| + eps)</c>, about <c>lr · sign(g)</c>: where PyTorch's gradient is within the
    /// gradient tolerance of zero its sign is rounding noise, so there the step is only bounded by lr; elsewhere the
    /// parameter must be PyTorch's.
    /// </summary>
    private static void AssertAdamStep(float[] expected, float[] actual, ReadOnlySpan<float> before, float[] gradient, double gradientAbsolute, float learningRate, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double gradientAllowed = Allowed(gradient, gradientAbsolute);
        double allowed = Allowed(expected, 1e-5);
        for (int i = 0; i < expected.Length; i++)
        {
            if (Math.Abs(gradient[i]) > gradientAllowed)
            {
                double error = Math.Abs(expected[i] - (double)actual[i]);
                Assert.True(error <= allowed, $"{what}[{i}]: expected {expected[i]}, got {actual[i]} (error {error:G3}, allowed {allowed:G3})");
            }
            else
            {
                Assert.InRange(Math.Abs(actual[i] - (double)before[i]), 0, learningRate * 1.001);
            }
        }
    }

    /// <summary>Forward, TrainStep, Adam.Step, Forward: every output, the loss, the gradients, the buffers and the parameters after the step, as bits.</summary>
    private static int[] Run(string name, JsonElement c)
    {
        int batch = c.GetProperty("batch").GetInt32();
        IInferenceModel model = CreateWithPyTorchState(name, c);
        float[] inputs = Floats(c.GetProperty("inputs"));
        float[] outputs = new float[batch * model.OutputSize];
        float[] outputsAfter = new float[batch * model.OutputSize];
        model.Forward(inputs, outputs, batch);
        float loss = TrainStep(model, c, name);
        float[] gradients = model.Parameters.Gradients.ToArray();
        new Adam(model.Parameters, (float)Golden.Root.GetProperty("learning_rate").GetDouble()).Step();
        model.Forward(inputs, outputsAfter, batch);
        float[] results = [.. outputs, loss, .. gradients, .. model.Parameters.BufferValues, .. model.Parameters.Values, .. outputsAfter];
        return [.. MemoryMarshal.Cast<float, int>(results), .. MemoryMarshal.Cast<long, int>(model.Parameters.Counters)];
    }
}
