using System;
using System.IO;
using System.Linq;
using StaticGrad.Checkpoints;
using StaticGrad.Models;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// A loss of the caller's own against PyTorch 1.13 (scripts/golden_custom_gradient.py): from PyTorch's weights,
/// ForwardForBackward gives PyTorch's train-mode outputs (and batch norm's updated buffers), and Backward given PyTorch's
/// <c>out.grad</c> of a distillation loss (LeNet5) and of a multi-term loss (NormalizedCnnNoDropout, batch statistics)
/// gives every parameter's gradient of <c>loss.backward()</c>. The distillation gradient written in C# from our own
/// outputs matches PyTorch's <c>out.grad</c> too. Tolerance: <c>1e-6 + 1e-5·max|expected|</c> per tensor.
/// </summary>
public sealed class CustomGradientGoldenTests
{
    private const int Batch = 6;
    private const int Classes = 10;

    [Theory]
    [InlineData(nameof(LeNet5))]
    [InlineData(nameof(NormalizedCnnNoDropout))]
    public void BackwardFromPyTorchsOutputGradient_GivesPyTorchsParameterGradients(string name)
    {
        using SafeTensorsReader expected = Open($"custom_gradient_{name}.safetensors");
        IModel model = name == nameof(LeNet5) ? new LeNet5(seed: 1, maxBatch: 8) : new NormalizedCnnNoDropout(seed: 1, maxBatch: 8);
        Assert.Empty(ModelWeights.Load(model.Parameters, Path.Combine(AppContext.BaseDirectory, "Golden", $"custom_gradient_{name}_state.safetensors")).Missing);
        model.Parameters.Gradients.Fill(float.NaN);

        float[] outputs = new float[Batch * Classes];
        ForwardForBackward(model, Floats(expected, "inputs"), outputs);
        AssertClose(Floats(expected, "outputs"), outputs, $"{name} train-mode outputs");
        foreach (BufferTensor buffer in model.Parameters.Buffers)
        {
            if (buffer.ElementType == BufferElementType.Int64)
            {
                Assert.Equal(Int64s(expected, "buffer." + buffer.Name), model.Parameters.CountersOf(buffer).ToArray());
            }
            else
            {
                AssertClose(Floats(expected, "buffer." + buffer.Name), model.Parameters.ValuesOf(buffer).ToArray(), $"{name} {buffer.Name} after the forward pass");
            }
        }

        Backward(model, Floats(expected, "output_grad"));
        Assert.Equal(expected.Tensors.Count(t => t.Name.StartsWith("grad.", StringComparison.Ordinal)), model.Parameters.Tensors.Count);
        foreach (ParameterTensor tensor in model.Parameters.Tensors)
        {
            AssertClose(Floats(expected, "grad." + tensor.Name), model.Parameters.GradientsOf(tensor).ToArray(), $"{name} {tensor.Name} gradient");
        }
    }

    [Fact]
    public void TheDistillationGradientWrittenInCSharp_IsPyTorchs()
    {
        // 0.7 CE + 0.3 T² KL(softmax(teacher / T) || softmax(out / T)) with 'batchmean': its gradient with respect to out
        // is 0.7 (softmax(out) - onehot) / B + 0.3 T (softmax(out / T) - softmax(teacher / T)) / B.
        const float Temperature = 2f;
        using SafeTensorsReader expected = Open("custom_gradient_LeNet5.safetensors");
        var model = new LeNet5(seed: 1, maxBatch: 8);
        ModelWeights.Load(model.Parameters, Path.Combine(AppContext.BaseDirectory, "Golden", "custom_gradient_LeNet5_state.safetensors"));
        float[] outputs = new float[Batch * Classes];
        model.ForwardForBackward(Floats(expected, "inputs"), outputs, Batch);
        float[] teacher = Floats(expected, "teacher");
        long[] labels = Int64s(expected, "labels");
        float[] gradient = new float[Batch * Classes];
        for (int n = 0; n < Batch; n++)
        {
            double[] p = Softmax(outputs.AsSpan(n * Classes, Classes), 1f);
            double[] pT = Softmax(outputs.AsSpan(n * Classes, Classes), Temperature);
            double[] qT = Softmax(teacher.AsSpan(n * Classes, Classes), Temperature);
            for (int c = 0; c < Classes; c++)
            {
                gradient[(n * Classes) + c] = (float)(((0.7 * (p[c] - (c == labels[n] ? 1 : 0))) + (0.3 * Temperature * (pT[c] - qT[c]))) / Batch);
            }
        }

        AssertClose(Floats(expected, "output_grad"), gradient, "the distillation gradient");
        model.Backward(gradient, Batch);
        foreach (ParameterTensor tensor in model.Parameters.Tensors)
        {
            AssertClose(Floats(expected, "grad." + tensor.Name), model.Parameters.GradientsOf(tensor).ToArray(), $"LeNet5 {tensor.Name} gradient");
        }
    }

    private static void ForwardForBackward(IModel model, float[] inputs, float[] outputs)
    {
        switch (model)
        {
            case LeNet5 lenet:
                lenet.ForwardForBackward(inputs, outputs, Batch);
                break;
            case NormalizedCnnNoDropout normalized:
                normalized.ForwardForBackward(inputs, outputs, Batch);
                break;
        }
    }

    private static void Backward(IModel model, float[] gradient)
    {
        switch (model)
        {
            case LeNet5 lenet:
                lenet.Backward(gradient, Batch);
                break;
            case NormalizedCnnNoDropout normalized:
                normalized.Backward(gradient, Batch);
                break;
        }
    }

    private static double[] Softmax(ReadOnlySpan<float> logits, float temperature)
    {
        double max = double.NegativeInfinity;
        foreach (float z in logits)
        {
            max = Math.Max(max, z / (double)temperature);
        }

        double[] p = new double[logits.Length];
        double sum = 0;
        for (int c = 0; c < logits.Length; c++)
        {
            p[c] = Math.Exp((logits[c] / (double)temperature) - max);
            sum += p[c];
        }

        for (int c = 0; c < logits.Length; c++)
        {
            p[c] /= sum;
        }

        return p;
    }

    private static SafeTensorsReader Open(string fileName) => SafeTensorsReader.Open(Path.Combine(AppContext.BaseDirectory, "Golden", fileName));

    private static float[] Floats(SafeTensorsReader reader, string name)
    {
        Assert.True(reader.TryGetTensor(name, out SafeTensorInfo info), $"no tensor '{name}'");
        float[] values = new float[info.ElementCount];
        reader.ReadSingles(info, values);
        return values;
    }

    private static long[] Int64s(SafeTensorsReader reader, string name)
    {
        Assert.True(reader.TryGetTensor(name, out SafeTensorInfo info), $"no tensor '{name}'");
        long[] values = new long[info.ElementCount];
        reader.ReadInt64s(info, values);
        return values;
    }

    private static void AssertClose(float[] expected, float[] actual, string what) => CustomGradientTests.AssertClose(expected, actual, what);
}
