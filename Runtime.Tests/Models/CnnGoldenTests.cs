using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using StaticGrad.Checkpoints;
using StaticGrad.Models;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// The convolutional models against PyTorch 1.13 (scripts/golden_cnn.py): PyTorch's state_dict (batch norm running
/// statistics and the I64 counter included) loads with ModelWeights.Load and gives PyTorch's eval logits; one training
/// step gives PyTorch's loss and every parameter's gradient, one Adam step (lr 1e-3) its weights and the batch norm
/// buffers; and the state StaticGrad holds after the step loads in PyTorch with <c>load_state_dict(strict=True)</c> to
/// the same eval logits. Tolerance: every element within <c>1e-6 + 1e-5·max|expected|</c> of its tensor.
/// </summary>
public sealed class CnnGoldenTests
{
    private const int Batch = 8;
    private const float LearningRate = 1e-3f;
    private static readonly GoldenFile Golden = new("cnn.json");

    public static TheoryData<string> Cases() => Golden.CaseNames();

    [Theory]
    [MemberData(nameof(Cases))]
    public void PyTorchsWeightsLoad_AndGiveItsEvalLogits(string name)
    {
        using Expected expected = new(name);
        IModel model = CreateWithPyTorchWeights(name);
        float[] logits = new float[Batch * model.OutputSize];
        model.Forward(expected.Floats("inputs"), logits, Batch);
        AssertClose(expected.Floats("eval_logits"), logits, $"{name} eval logits");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneTrainingStepAndOneAdamStep_MatchPyTorch(string name)
    {
        using Expected expected = new(name);
        IModel model = TrainOneStep(name, expected);

        // A bias before batch norm moves by up to lr in either framework, differently (see TrainOneStep), and shifts
        // the eval-mode output, whose running mean saw the old bias: take PyTorch's for this comparison.
        foreach (JsonElement zero in Golden.Case(name).GetProperty("zero_gradient").EnumerateArray())
        {
            expected.Floats("after." + zero.GetString()).CopyTo(model.Parameters.ValuesOf(model.Parameters[zero.GetString()!]));
        }

        float[] logits = new float[Batch * model.OutputSize];
        model.Forward(expected.Floats("inputs"), logits, Batch);
        AssertClose(expected.Floats("eval_logits_after"), logits, $"{name} eval logits after the step");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheStateAfterTheStep_LoadsInPyTorchStrictly_ToTheSameEvalLogits(string name)
    {
        using Expected expected = new(name);
        IModel model = TrainOneStep(name, expected);
        using var stream = new MemoryStream();
        ModelWeights.Save(model.Parameters, stream);
        string fileName = $"staticgrad_cnn_{name}.safetensors";
        string committed = Path.Combine(AppContext.BaseDirectory, "Golden", fileName);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllBytes(Path.Combine(RepoPaths.Root, "Runtime.Tests", "Golden", fileName), stream.ToArray());
            File.WriteAllBytes(committed, stream.ToArray());
        }

        // The committed file is this state (what PyTorch loaded), up to the tolerance of the training step.
        IModel reloaded = Create(name);
        ModelWeights.Load(reloaded.Parameters, committed);
        AssertClose(model.Parameters.Values.ToArray(), reloaded.Parameters.Values.ToArray(), $"{name} committed parameters");
        AssertClose(model.Parameters.BufferValues.ToArray(), reloaded.Parameters.BufferValues.ToArray(), $"{name} committed buffers");
        Assert.Equal(model.Parameters.Counters.ToArray(), reloaded.Parameters.Counters.ToArray());

        float[] logits = new float[Batch * model.OutputSize];
        reloaded.Forward(expected.Floats("inputs"), logits, Batch);
        AssertClose(Floats(Golden.Case(name).GetProperty("staticgrad_eval_logits")), logits, $"{name}: PyTorch's eval logits with StaticGrad's saved state");
    }

    [Fact]
    public void NormalizedCnn_LoadsBothStates_AndGivesPyTorchsEvalLogits()
    {
        // NormalizedCnn differs from NormalizedCnnNoDropout only by its Dropout, which has no state and is the identity
        // in eval mode: PyTorch's cnn-bn state_dict loads strictly, and gives PyTorch's eval logits, before and after the step.
        const string name = nameof(NormalizedCnnNoDropout);
        using Expected expected = new(name);
        float[] inputs = expected.Floats("inputs");
        var model = new NormalizedCnn(seed: 99, maxBatch: Batch);
        Assert.Equal(ModelMode.Evaluation, model.Mode);
        WeightsLoadResult result = ModelWeights.Load(model.Parameters, Path.Combine(AppContext.BaseDirectory, "Golden", $"cnn_{name}.safetensors"));
        Assert.Empty(result.Missing);
        Assert.Equal(new long[] { 2, 2 }, model.Parameters.Counters.ToArray());
        float[] logits = new float[Batch * NormalizedCnn.OutputSize];
        model.Forward(inputs, logits, Batch);
        AssertClose(expected.Floats("eval_logits"), logits, "NormalizedCnn eval logits of PyTorch's weights");

        ModelWeights.Load(model.Parameters, Path.Combine(AppContext.BaseDirectory, "Golden", $"staticgrad_cnn_{name}.safetensors"));
        model.Forward(inputs, logits, Batch);
        AssertClose(Floats(Golden.Case(name).GetProperty("staticgrad_eval_logits")), logits, "NormalizedCnn eval logits of StaticGrad's state after the step");
    }

    private static IModel Create(string name) => name switch
    {
        nameof(LeNet5) => new LeNet5(seed: 99, maxBatch: Batch),
        nameof(NormalizedCnnNoDropout) => new NormalizedCnnNoDropout(seed: 99, maxBatch: Batch),
        nameof(CnnOpsNet) => new CnnOpsNet(seed: 99, maxBatch: Batch),
        nameof(AdaptivePoolCnn) => new AdaptivePoolCnn(seed: 99, maxBatch: Batch),
        nameof(CeilPoolCnn) => new CeilPoolCnn(seed: 99, maxBatch: Batch),
        nameof(RectangularCnn) => new RectangularCnn(seed: 99, maxBatch: Batch),
        nameof(PaddedCnn) => new PaddedCnn(seed: 99, maxBatch: Batch),
        nameof(GroupNormCnn) => new GroupNormCnn(seed: 99, maxBatch: Batch),
        nameof(InstanceNormCnn) => new InstanceNormCnn(seed: 99, maxBatch: Batch),
        nameof(TransposedCnn) => new TransposedCnn(seed: 99, maxBatch: Batch),
        nameof(UpsampleCnn) => new UpsampleCnn(seed: 99, maxBatch: Batch),
        nameof(EdgePaddedCnn) => new EdgePaddedCnn(seed: 99, maxBatch: Batch),
        nameof(PaddingModeCnn) => new PaddingModeCnn(seed: 99, maxBatch: Batch),
        nameof(BilinearCnn) => new BilinearCnn(seed: 99, maxBatch: Batch),
        nameof(TrackedInstanceNormCnn) => new TrackedInstanceNormCnn(seed: 99, maxBatch: Batch),
        nameof(ResNetDownsampleCnn) => new ResNetDownsampleCnn(seed: 99, maxBatch: Batch),
        nameof(MobileNetV2Cnn) => new MobileNetV2Cnn(seed: 99, maxBatch: Batch),
        nameof(SizedUpsampleCnn) => new SizedUpsampleCnn(seed: 99, maxBatch: Batch),
        nameof(AdaptiveMaxPoolCnn) => new AdaptiveMaxPoolCnn(seed: 99, maxBatch: Batch),
        nameof(SqueezeExciteCnn) => new SqueezeExciteCnn(seed: 99, maxBatch: Batch),
        nameof(MobileNetV3Cnn) => new MobileNetV3Cnn(seed: 99, maxBatch: Batch),
        nameof(SpatialGateCnn) => new SpatialGateCnn(seed: 99, maxBatch: Batch),
        nameof(DecoderCnn) => new DecoderCnn(seed: 99, maxBatch: Batch),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No such case."),
    };

    private static IModel CreateWithPyTorchWeights(string name)
    {
        IModel model = Create(name);
        WeightsLoadResult result = ModelWeights.Load(model.Parameters, Path.Combine(AppContext.BaseDirectory, "Golden", $"cnn_{name}.safetensors"));
        Assert.Empty(result.Missing);
        return model;
    }

    /// <summary>One TrainStep and one Adam step from PyTorch's weights, each checked against the fixture.</summary>
    private static IModel TrainOneStep(string name, Expected expected)
    {
        JsonElement c = Golden.Case(name);
        IModel model = CreateWithPyTorchWeights(name);
        float[] before = model.Parameters.Values.ToArray();
        var adam = new Adam(model.Parameters, learningRate: LearningRate);
        float loss = model.TrainStep(expected.Floats("inputs"), expected.Labels(), Batch);
        double expectedLoss = c.GetProperty("loss").GetDouble();
        Assert.True(Math.Abs(expectedLoss - loss) <= 1e-6 + (1e-5 * Math.Abs(expectedLoss)), $"{name} loss: expected {expectedLoss}, got {loss}");

        var zeroGradient = c.GetProperty("zero_gradient").EnumerateArray().Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(expected.Names("grad.").Count, model.Parameters.Tensors.Count);
        foreach (ParameterTensor tensor in model.Parameters.Tensors)
        {
            float[] gradient = model.Parameters.GradientsOf(tensor).ToArray();
            if (zeroGradient.Contains(tensor.Name))
            {
                // A bias followed by batch norm: zero in exact arithmetic, rounding noise in both frameworks.
                Assert.All(expected.Floats("grad." + tensor.Name), g => Assert.InRange(Math.Abs(g), 0f, 1e-6f));
                Assert.All(gradient, g => Assert.InRange(Math.Abs(g), 0f, 1e-6f));
            }
            else
            {
                AssertClose(expected.Floats("grad." + tensor.Name), gradient, $"{name} {tensor.Name} gradient");
            }
        }

        adam.Step();
        foreach (ParameterTensor tensor in model.Parameters.Tensors)
        {
            float[] after = model.Parameters.ValuesOf(tensor).ToArray();
            if (zeroGradient.Contains(tensor.Name))
            {
                // Adam's first step is lr·g/(|g| + eps): at most lr, whatever the noise.
                for (int i = 0; i < after.Length; i++)
                {
                    Assert.InRange(Math.Abs(after[i] - before[tensor.Offset + i]), 0f, LearningRate * 1.001f);
                }
            }
            else
            {
                AssertClose(expected.Floats("after." + tensor.Name), after, $"{name} {tensor.Name} after one Adam step");
            }
        }

        IReadOnlyList<string> buffers = expected.Names("buffer.");
        Assert.Equal(buffers.Count, model.Parameters.Buffers.Count);
        foreach (string buffer in buffers)
        {
            Assert.True(model.Parameters.TryGetBuffer(buffer, out BufferTensor? tensor), $"{name} has no buffer {buffer}");
            if (tensor.ElementType == BufferElementType.Int64)
            {
                Assert.Equal(expected.Int64s("buffer." + buffer), model.Parameters.CountersOf(tensor).ToArray());
            }
            else
            {
                AssertClose(expected.Floats("buffer." + buffer), model.Parameters.ValuesOf(tensor).ToArray(), $"{name} {buffer} after the step");
            }
        }

        return model;
    }

    /// <summary>Elementwise within 1e-6 plus 1e-5 of the tensor's largest magnitude.</summary>
    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Length == 0 ? 0 : expected.Max(v => Math.Abs((double)v));
        double allowed = 1e-6 + (1e-5 * scale);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - (double)actual[i]);
            Assert.True(error <= allowed, $"{what}[{i}]: expected {expected[i]}, got {actual[i]} (error {error:G3}, allowed {allowed:G3})");
        }
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    /// <summary>The tensors of <c>Golden/cnn_{name}_expected.safetensors</c>.</summary>
    private sealed class Expected(string name) : IDisposable
    {
        private readonly SafeTensorsReader _reader = SafeTensorsReader.Open(Path.Combine(AppContext.BaseDirectory, "Golden", $"cnn_{name}_expected.safetensors"));

        public float[] Floats(string tensor)
        {
            SafeTensorInfo info = Info(tensor);
            float[] values = new float[info.ElementCount];
            _reader.ReadSingles(info, values);
            return values;
        }

        public long[] Int64s(string tensor)
        {
            SafeTensorInfo info = Info(tensor);
            long[] values = new long[info.ElementCount];
            _reader.ReadInt64s(info, values);
            return values;
        }

        public int[] Labels() => Int64s("labels").Select(v => checked((int)v)).ToArray();

        /// <summary>The names after <paramref name="prefix"/> of the tensors that start with it.</summary>
        public IReadOnlyList<string> Names(string prefix)
            => _reader.Tensors.Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal)).Select(t => t.Name[prefix.Length..]).ToList();

        public void Dispose() => _reader.Dispose();

        private SafeTensorInfo Info(string tensor)
            => _reader.TryGetTensor(tensor, out SafeTensorInfo info) ? info : throw new InvalidDataException($"cnn_{name}_expected.safetensors has no tensor '{tensor}'.");
    }
}
