using System;
using StaticGrad.Data;
using StaticGrad.Models;
using StaticGrad.Models.Commands;
using StaticGrad.Threading;
using StaticGrad.Training;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// The convolutional models end to end: the generated backward against finite differences, no allocation per step,
/// the same bits with any thread count, and LeNet-5 learning the shipped digits.
/// </summary>
public sealed class CnnModelTests(ITestOutputHelper output)
{
    [Fact]
    public void ASmallImageModel_BackwardMatchesFiniteDifferences()
    {
        // SmoothCnn in training mode (batch statistics).
        var model = new SmoothCnn(seed: 21, maxBatch: 4) { Mode = ModelMode.Training };
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 22, relativeTolerance: 2e-3);
    }

    [Fact]
    public void AdaptivePoolsThatDoNotDivide_BackwardMatchesFiniteDifferences()
    {
        var model = new AdaptivePoolCnn(seed: 41, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 42, relativeTolerance: 2e-3);
    }

    [Fact]
    public void CeilModePools_BackwardMatchesFiniteDifferences()
    {
        // The max pool's last windows hold one row or column of the ReLU's output; the average pool's last windows divide
        // by their part inside the padded input. Seeds chosen with inputs away from the kinks (a perturbation of 1e-3 crosses
        // no zero of the ReLU and changes no window's maximum).
        var model = new CeilPoolCnn(seed: 61, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 62, relativeTolerance: 2e-3);
    }

    [Fact]
    public void RectangularWindows_BackwardMatchesFiniteDifferences()
    {
        // Every window option differs between the axes. Seeds chosen with inputs away from the kinks: a perturbation of 1e-3
        // crosses no zero of the ReLU and changes no window's maximum (most seeds meet one among the 560 windows of 6
        // values each; CnnGoldenTests compares every gradient with PyTorch's on its own batch).
        var model = new RectangularCnn(seed: 89, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 90, relativeTolerance: 2e-3);
    }

    [Fact]
    public void ZeroPaddingAndEvenSamePadding_BackwardMatchesFiniteDifferences()
    {
        // The padded copy of padding='same' (one more row and column at the end) in the forward pass, the weight gradients
        // and the cropped input gradient; the crop's gradient. Seeds chosen with inputs away from the kinks, as above (most
        // seeds meet one: 2080 ReLU outputs feed the max pool; CnnGoldenTests compares every gradient with PyTorch's).
        var model = new PaddedCnn(seed: 85, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 86, relativeTolerance: 2e-3);
    }

    [Fact]
    public void GroupNorms_BackwardMatchesFiniteDifferences()
    {
        // Group norms over images (a fused ReLU, one without affine parameters) and over flat features (a fused Tanh).
        var model = new GroupNormCnn(seed: 91, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 92, relativeTolerance: 2e-3);
    }

    [Fact]
    public void InstanceNorms_BackwardMatchesFiniteDifferences()
    {
        var model = new InstanceNormCnn(seed: 93, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 94, relativeTolerance: 2e-3);
    }

    [Fact]
    public void TransposedConvolutions_BackwardMatchesFiniteDifferences()
    {
        var model = new TransposedCnn(seed: 95, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 96, relativeTolerance: 2e-3);
    }

    [Fact]
    public void Upsampling_BackwardMatchesFiniteDifferences()
    {
        var model = new UpsampleCnn(seed: 97, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 98, relativeTolerance: 2e-3);
    }

    [Fact]
    public void EdgePadding_BackwardMatchesFiniteDifferences()
    {
        var model = new EdgePaddedCnn(seed: 99, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 100, relativeTolerance: 2e-3);
    }

    [Fact]
    public void ConvolutionPaddingModes_BackwardMatchesFiniteDifferences()
    {
        var model = new PaddingModeCnn(seed: 101, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 102, relativeTolerance: 2e-3);
    }

    [Fact]
    public void BilinearUpsampling_BackwardMatchesFiniteDifferences()
    {
        var model = new BilinearCnn(seed: 103, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 104, relativeTolerance: 2e-3);
    }

    [Fact]
    public void ReLUIntoMaxPool_BackwardThroughThePoolsMatchesFiniteDifferences()
    {
        // Both pools apply their convolution's ReLU derivative (overlapping 3 x 3 windows, then 2 x 2); inputs away
        // from the kinks for these seeds: a perturbation of 1e-3 crosses no zero and changes no window's maximum.
        var model = new ReLUPoolCnn(seed: 31, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 32, relativeTolerance: 2e-3);
    }

    [Fact]
    public void AdaptiveMaxPools_BackwardMatchesFiniteDifferences()
    {
        // A step of 1e-3 in a first-layer weight moves every value of every window by up to 2e-3, and a window whose two
        // largest values are that close changes its maximum's place: the central difference is then wrong. This seed has no
        // such window (five of six seeds tried had one); CnnGoldenTests holds every gradient to PyTorch's.
        var model = new AdaptiveMaxPoolCnn(seed: 153, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 142, relativeTolerance: 2e-3);
    }

    [Fact]
    public void ChannelAndElementwiseGates_BackwardMatchesFiniteDifferences()
    {
        // Every gradient reaches both factors of three products (a [B, 8, 1, 1] gate, a flat one, an elementwise one); the
        // max pool between them has no near-ties for this seed (two of four seeds tried had one, which a step of 1e-3 crosses).
        var model = new SqueezeExciteCnn(seed: 163, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 162, relativeTolerance: 2e-3);
    }

    [Fact]
    public void SpatialGates_BackwardMatchesFiniteDifferences()
    {
        var model = new SpatialGateCnn(seed: 171, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 172, relativeTolerance: 2e-3);
    }

    [Fact]
    public void UnflattenedFeatures_BackwardMatchesFiniteDifferences()
    {
        // Two ReLUs: for this seed a step of 1e-3 crosses no kink (two of four seeds tried had one); CnnGoldenTests holds
        // every gradient to PyTorch's.
        var model = new DecoderCnn(seed: 183, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 184, relativeTolerance: 2e-3);
    }

    [Fact]
    public void UpsamplingToASize_BackwardMatchesFiniteDifferences()
    {
        var model = new SizedUpsampleCnn(seed: 131, maxBatch: 4);
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 132, relativeTolerance: 2e-3);
    }

    [Fact]
    public void BranchesThatRejoin_BackwardMatchesFiniteDifferences()
    {
        // A shortcut reads the stem's output ([From]), so the stem's gradient is the sum of the main path's and the
        // shortcut's; a branch from the model input joins at the end. Smooth activations: ResNetDownsampleCnn, with batch
        // norms and ReLUs, is held to PyTorch's gradients in CnnGoldenTests instead.
        AssertBackwardMatchesFiniteDifferences(new SmoothBranchCnn(seed: 121, maxBatch: 4), inputSeed: 122, relativeTolerance: 2e-3);
    }

    [Theory]
    [InlineData(nameof(FlatPoolClassifier))]
    [InlineData(nameof(FlatNormClassifier))]
    public void LogitsThatAreAnActivatedImageReadFlat_BackwardMatchesFiniteDifferences(string name)
    {
        // The loss's input buffer also holds values a backward pass before it reads (the flatten shares it): a pool's
        // maxima after a ReLU, a batch norm's ReLU output. The loss must not overwrite them.
        IModel model = name == nameof(FlatPoolClassifier)
            ? new FlatPoolClassifier(seed: 111, maxBatch: 4)
            : new FlatNormClassifier(seed: 113, maxBatch: 4) { Mode = ModelMode.Training };
        AssertBackwardMatchesFiniteDifferences(model, inputSeed: 112, relativeTolerance: 2e-3);
    }

    [Fact]
    public void ARegressionLossOnASigmoidImageReadFlat_BackwardMatchesFiniteDifferences()
    {
        // The loss's input buffer is the convolution's Sigmoid output, which its backward pass reads.
        var model = new FlatSigmoidRegressor(seed: 115, maxBatch: 4);
        float[] inputs = KernelReference.Random(4 * FlatSigmoidRegressor.InputSize, seed: 116, low: -2f, high: 2f);
        float[] targets = KernelReference.Random(4 * FlatSigmoidRegressor.OutputSize, seed: 117, low: 0f, high: 1f);
        float loss = model.TrainStep(inputs, targets, 4);
        float[] gradients = model.Parameters.Gradients.ToArray();
        float[] outputs = new float[4 * FlatSigmoidRegressor.OutputSize];

        double Loss()
        {
            model.Forward(inputs, outputs, 4);
            return KernelReference.MeanSquaredError(outputs, targets);
        }

        Assert.Equal(Loss(), loss, 6);
        int checkedCount = GradientCheck.AssertGradientMatches(Loss, model.Parameters.Values, gradients, nameof(FlatSigmoidRegressor) + " parameters", eps: 1e-3, relativeTolerance: 2e-3, absoluteTolerance: 1e-5, maxElements: gradients.Length);
        Assert.Equal(model.Parameters.Count, checkedCount);
    }

    /// <summary>
    /// Every parameter's gradient from one training step against central differences of the summed cross-entropy of
    /// the model's own forward logits (in double from there), on four random samples.
    /// </summary>
    private static void AssertBackwardMatchesFiniteDifferences(IModel model, ulong inputSeed, double relativeTolerance)
    {
        const int Batch = 4;
        int classes = model.OutputSize;
        float[] inputs = KernelReference.Random(Batch * model.InputSize, seed: inputSeed, low: -2f, high: 2f);
        int[] labels = KernelReference.RandomLabels(Batch, classes, seed: inputSeed + 1);
        float loss = model.TrainStep(inputs, labels, Batch);
        float[] gradients = model.Parameters.Gradients.ToArray();
        float[] logits = new float[Batch * classes];

        double Loss()
        {
            model.Forward(inputs, logits, Batch);
            double sum = 0;
            for (int n = 0; n < Batch; n++)
            {
                sum -= KernelReference.LogSoftmax(logits.AsSpan(n * classes, classes))[labels[n]];
            }

            return sum;
        }

        Assert.Equal(Loss(), loss, 4);
        int checkedCount = GradientCheck.AssertGradientMatches(Loss, model.Parameters.Values, gradients, model.GetType().Name + " parameters", eps: 1e-3, relativeTolerance: relativeTolerance, absoluteTolerance: 1e-4, maxElements: gradients.Length);
        Assert.Equal(model.Parameters.Count, checkedCount);
    }

    [Fact]
    public void LeNet5_TrainStepForwardAndPredict_AllocateNothing()
    {
        const int Batch = 64;
        var model = new LeNet5(seed: 1, maxBatch: Batch);
        var adam = new Adam(model.Parameters);
        float[] x = KernelReference.Random(Batch * LeNet5.InputSize, seed: 2, low: 0f, high: 1f);
        int[] labels = KernelReference.RandomLabels(Batch, LeNet5.OutputSize, seed: 3);
        float[] logits = new float[Batch * LeNet5.OutputSize];
        float[] probabilities = new float[LeNet5.OutputSize];
        foreach ((int threads, bool split) in new[] { (1, false), (2, true) })
        {
            using (Partition.Override(threads, split))
            {
                AllocationAssert.None($"LeNet5 TrainStep + Adam.Step ({threads} threads)", () =>
                {
                    model.TrainStep(x, labels, Batch);
                    adam.Step();
                }, calls: 10);
                AllocationAssert.None($"LeNet5 Forward ({threads} threads)", () => model.Forward(x, logits, Batch), calls: 10);
                AllocationAssert.None($"LeNet5 Predict of one sample ({threads} threads)", () => model.Predict(x.AsSpan(0, LeNet5.InputSize), probabilities, 1), calls: 50);
            }
        }
    }

    [Fact]
    public void NormalizedCnn_TrainStepAndForward_AllocateNothing()
    {
        const int Batch = 32;
        var model = new NormalizedCnn(seed: 1, maxBatch: Batch);
        var adam = new Adam(model.Parameters);
        float[] x = KernelReference.Random(Batch * NormalizedCnn.InputSize, seed: 4, low: 0f, high: 1f);
        int[] labels = KernelReference.RandomLabels(Batch, NormalizedCnn.OutputSize, seed: 5);
        float[] logits = new float[Batch * NormalizedCnn.OutputSize];
        using (Partition.Override(2, splitAlways: true))
        {
            AllocationAssert.None("NormalizedCnn TrainStep + Adam.Step", () =>
            {
                model.TrainStep(x, labels, Batch);
                adam.Step();
            }, calls: 10);
            AllocationAssert.None("NormalizedCnn Forward (eval)", () => model.Forward(x, logits, Batch), calls: 10);
        }
    }

    [Fact]
    public void Layers_DescribeThemselvesAsPyTorchPrintsThem()
    {
        var padded = new PaddedCnn(seed: 1, maxBatch: 1);
        Assert.Equal("ZeroPad2d((1, 2, 0, 1))", padded.Pad.ToString());
        Assert.Equal("Conv2d(2, 4, kernel_size=(4, 4), stride=(1, 1), padding=same)", padded.Conv1.ToString());
        Assert.Equal((1, 1), padded.Conv1.EndPadding);
        Assert.Equal((10, 13), (padded.Conv1.OutHeight, padded.Conv1.OutWidth));
        var rectangles = new RectangularCnn(seed: 1, maxBatch: 1);
        Assert.Equal("MaxPool2d(kernel_size=(2, 3), stride=2, padding=(0, 1), dilation=1, ceil_mode=False)", rectangles.Pool1.ToString());
        Assert.Equal("AvgPool2d(kernel_size=(2, 1), stride=(2, 1), padding=(1, 0), count_include_pad=False)", rectangles.Pool2.ToString());
        Assert.Equal("Conv2d(4, 6, kernel_size=(1, 3), stride=(2, 1), padding=(1, 0), dilation=(1, 2))", rectangles.Conv2.ToString());
        var norms = new GroupNormCnn(seed: 1, maxBatch: 1);
        Assert.Equal("GroupNorm(4, 8, eps=1e-05, affine=True)", norms.Norm1.ToString());
        Assert.Equal("GroupNorm(2, 24, eps=0.001, affine=True)", norms.Norm3.ToString());
        Assert.Equal("InstanceNorm2d(4, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)", new InstanceNormCnn(seed: 1, maxBatch: 1).Norm1.ToString());
        var transposed = new TransposedCnn(seed: 1, maxBatch: 1);
        Assert.Equal(
            "ConvTranspose2d(4, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))",
            transposed.Up.ToString());
        Assert.Equal("ConvTranspose2d(4, 2, kernel_size=(2, 3), stride=(1, 2), groups=2, bias=False)", transposed.Widen.ToString());
        Assert.Equal((9, 17), (transposed.Widen.OutHeight, transposed.Widen.OutWidth));
        Assert.Equal([4, 1, 2, 3], transposed.Widen.WeightTensor.Shape);
        var upsample = new UpsampleCnn(seed: 1, maxBatch: 1);
        Assert.Equal("Upsample(scale_factor=2.0, mode=nearest)", upsample.Up.ToString());
        Assert.Equal("Upsample(scale_factor=(1.0, 3.0), mode=nearest)", upsample.Widen.ToString());
        var edges = new EdgePaddedCnn(seed: 1, maxBatch: 1);
        Assert.Equal("ReflectionPad2d((2, 2, 2, 2))", edges.Pad1.ToString());
        Assert.Equal("ReplicationPad2d((1, 0, 2, 1))", edges.Pad2.ToString());
        Assert.Equal((-1, 2, 1, -1), edges.Pad3.Padding);
        var modes = new PaddingModeCnn(seed: 1, maxBatch: 1);
        Assert.Equal("Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=(2, 2), padding_mode=reflect)", modes.Conv1.ToString());
        Assert.Equal(PaddingMode.Circular, modes.Conv3.PaddingMode);
        var bilinear = new BilinearCnn(seed: 1, maxBatch: 1);
        Assert.Equal("Upsample(scale_factor=2.0, mode=bilinear)", bilinear.Up.ToString());
        var sized = new SizedUpsampleCnn(seed: 1, maxBatch: 1);
        Assert.Equal("Upsample(size=(7, 9), mode=nearest)", sized.Up.ToString());
        Assert.Equal(((int, int)?)(7, 9), sized.Up.Size);
        Assert.Null(sized.Up.ScaleFactor);
        Assert.Equal("Upsample(size=(5, 7), mode=bilinear)", sized.Widen.ToString());
        Assert.Equal("Upsample(size=3, mode=nearest)", Upsample.ToSize((3, 3)).ToString());
        var adaptive = new AdaptiveMaxPoolCnn(seed: 1, maxBatch: 1);
        Assert.Equal("AdaptiveMaxPool2d(output_size=3)", adaptive.Pool.ToString());
        Assert.Equal("AdaptiveMaxPool2d(output_size=(4, 3))", new AdaptiveMaxPool2d(4, 3).ToString());
        Assert.Equal("AdaptiveMaxPool2d(output_size=1)", adaptive.MaxHead.ToString());
        Assert.Throws<ArgumentOutOfRangeException>("size", () => Upsample.ToSize((0, 3)));
        Assert.Equal((UpsampleMode.Bilinear, true), (bilinear.Widen.Mode, bilinear.Widen.AlignCorners));
        Assert.Equal("InstanceNorm2d(4, eps=1e-05, momentum=0.3, affine=True, track_running_stats=True)", new TrackedInstanceNormCnn(seed: 1, maxBatch: 1).Norm1.ToString());
        Assert.Equal((10, 11), (modes.Conv2.OutHeight, modes.Conv2.OutWidth));
        Assert.Equal((5, 6), (modes.Conv3.OutHeight, modes.Conv3.OutWidth));
    }

    [Fact]
    public void Layers_DescribeThemselvesAsPyTorchPrintsThem_InAnyCulture()
    {
        // PyTorch 1.13's repr of the same modules; a culture's decimal comma (as de-DE's; the tests run without ICU, so a
        // copy of the invariant culture with a comma) must not leak into them.
        System.Globalization.CultureInfo saved = System.Globalization.CultureInfo.CurrentCulture;
        var comma = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        System.Globalization.CultureInfo.CurrentCulture = comma;
        try
        {
            var net = new StaticGrad.Models.NormalizedCnn(seed: 1, maxBatch: 1);
            Assert.Equal("BatchNorm2d(6, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)", net.Bn1.ToString());
            Assert.Equal("Dropout(p=0.25, inplace=False)", net.Drop.ToString());
            Assert.Equal("Linear(in_features=400, out_features=120, bias=True)", net.Fc1.ToString());
            Assert.Equal("CrossEntropyLoss()", net.Loss.ToString());
            Assert.Equal("Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))", net.Conv1.ToString());
            Assert.Equal("LayerNorm((8,), eps=0.001, elementwise_affine=False)", new LayerNorm(new ParameterSet([new ParameterTensor("other.weight", 0, [1], 1)]), 8, 1e-3f, null, null).ToString());
            Assert.Equal("Dropout2d(p=0.25, inplace=False)", new Dropout2d(0.25f).ToString());
            Assert.Equal("LeakyReLU(negative_slope=0.01)", new ActivationLayer(Kernels.Activation.LeakyReLU, 0.01f, 0f).ToString());
            Assert.Equal("ELU(alpha=1.0)", new ActivationLayer(Kernels.Activation.ELU, 1f, 0f).ToString());
            Assert.Equal("Softplus(beta=1, threshold=20)", new ActivationLayer(Kernels.Activation.Softplus, 1f, 20f).ToString());
            Assert.Equal("Softplus(beta=0.5, threshold=20)", new ActivationLayer(Kernels.Activation.Softplus, 0.5f, 20f).ToString());
            Assert.Equal("ReLU()", new ActivationLayer(Kernels.Activation.ReLU, 0f, 0f).ToString());
            Assert.Equal("ReLU6()", new ActivationLayer(Kernels.Activation.ReLU6, 0f, 0f).ToString());
            Assert.Equal("GELU(approximate='tanh')", new ActivationLayer(Kernels.Activation.GELUTanh, 0f, 0f).ToString());
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }

    /// <summary>The test models of the newer image ops: rectangular windows, zero padding and padding='same', group and instance norms, transposed convolutions.</summary>
    public static TheoryData<string> WindowAndNormModels() => new() { nameof(RectangularCnn), nameof(PaddedCnn), nameof(GroupNormCnn), nameof(InstanceNormCnn), nameof(TransposedCnn), nameof(UpsampleCnn), nameof(EdgePaddedCnn), nameof(PaddingModeCnn), nameof(BilinearCnn), nameof(TrackedInstanceNormCnn), nameof(ResNetDownsampleCnn), nameof(MobileNetV2Cnn), nameof(SizedUpsampleCnn), nameof(AdaptiveMaxPoolCnn), nameof(SqueezeExciteCnn), nameof(MobileNetV3Cnn), nameof(SpatialGateCnn), nameof(DecoderCnn) };

    [Theory]
    [MemberData(nameof(WindowAndNormModels))]
    public void WindowAndNormModels_TrainStepAndForward_AllocateNothing(string name)
    {
        const int Batch = 16;
        IModel model = name switch
        {
            nameof(RectangularCnn) => new RectangularCnn(seed: 1, maxBatch: Batch),
            nameof(PaddedCnn) => new PaddedCnn(seed: 1, maxBatch: Batch),
            nameof(GroupNormCnn) => new GroupNormCnn(seed: 1, maxBatch: Batch),
            nameof(TransposedCnn) => new TransposedCnn(seed: 1, maxBatch: Batch),
            nameof(UpsampleCnn) => new UpsampleCnn(seed: 1, maxBatch: Batch),
            nameof(EdgePaddedCnn) => new EdgePaddedCnn(seed: 1, maxBatch: Batch),
            nameof(PaddingModeCnn) => new PaddingModeCnn(seed: 1, maxBatch: Batch),
            nameof(BilinearCnn) => new BilinearCnn(seed: 1, maxBatch: Batch),
            nameof(TrackedInstanceNormCnn) => new TrackedInstanceNormCnn(seed: 1, maxBatch: Batch),
            nameof(ResNetDownsampleCnn) => new ResNetDownsampleCnn(seed: 1, maxBatch: Batch),
            nameof(MobileNetV2Cnn) => new MobileNetV2Cnn(seed: 1, maxBatch: Batch),
            nameof(SizedUpsampleCnn) => new SizedUpsampleCnn(seed: 1, maxBatch: Batch),
            nameof(AdaptiveMaxPoolCnn) => new AdaptiveMaxPoolCnn(seed: 1, maxBatch: Batch),
            nameof(SqueezeExciteCnn) => new SqueezeExciteCnn(seed: 1, maxBatch: Batch),
            nameof(MobileNetV3Cnn) => new MobileNetV3Cnn(seed: 1, maxBatch: Batch),
            nameof(SpatialGateCnn) => new SpatialGateCnn(seed: 1, maxBatch: Batch),
            nameof(DecoderCnn) => new DecoderCnn(seed: 1, maxBatch: Batch),
            _ => new InstanceNormCnn(seed: 1, maxBatch: Batch),
        };
        var adam = new Adam(model.Parameters);
        float[] x = KernelReference.Random(Batch * model.InputSize, seed: 4);
        int[] labels = KernelReference.RandomLabels(Batch, model.OutputSize, seed: 5);
        float[] logits = new float[Batch * model.OutputSize];
        foreach (int threads in new[] { 1, 2 })
        {
            using (Partition.Override(threads, splitAlways: threads > 1))
            {
                AllocationAssert.None($"{name} TrainStep + Adam.Step, {threads} threads", () =>
                {
                    model.TrainStep(x, labels, Batch);
                    adam.Step();
                }, calls: 10);
                AllocationAssert.None($"{name} Forward, {threads} threads", () => model.Forward(x, logits, Batch), calls: 10);
            }
        }
    }

    [Fact]
    public void LeNet5ForwardFromFourThreadsAtOnce_MatchesTheSerialResultsBitForBit()
    {
        // Forward promises concurrent calls on one instance; the convolutions' scratch memory must not be shared by them.
        const int Samples = 48, Threads = 4, Rounds = 4;
        var model = new LeNet5(seed: 5, maxBatch: 8);
        float[] inputs = KernelReference.Random(Samples * LeNet5.InputSize, seed: 6, low: 0f, high: 1f);
        float[] serial = new float[Samples * LeNet5.OutputSize];
        for (int n = 0; n < Samples; n++)
        {
            model.Forward(inputs.AsSpan(n * LeNet5.InputSize, LeNet5.InputSize), serial.AsSpan(n * LeNet5.OutputSize, LeNet5.OutputSize), 1);
        }

        int mismatches = 0;
        using var start = new System.Threading.Barrier(Threads);
        System.Threading.Tasks.Parallel.For(0, Threads, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = Threads }, thread =>
        {
            float[] logits = new float[LeNet5.OutputSize];
            start.SignalAndWait();
            for (int round = 0; round < Rounds; round++)
            {
                for (int n = 0; n < Samples; n++)
                {
                    int sample = (n + (thread * 13)) % Samples;
                    model.Forward(inputs.AsSpan(sample * LeNet5.InputSize, LeNet5.InputSize), logits, 1);
                    if (!logits.AsSpan().SequenceEqual(serial.AsSpan(sample * LeNet5.OutputSize, LeNet5.OutputSize)))
                    {
                        System.Threading.Interlocked.Increment(ref mismatches);
                    }
                }
            }
        });

        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void TrainingSteps_GiveTheSameBits_WithOneTwoAndThreeThreads()
    {
        const int Batch = 37, Steps = 3;
        float[] x = KernelReference.Random(Batch * LeNet5.InputSize, seed: 6, low: 0f, high: 1f);
        int[] labels = KernelReference.RandomLabels(Batch, LeNet5.OutputSize, seed: 7);
        float[] ops = KernelReference.Random(Batch * CnnOpsNet.InputSize, seed: 8, low: -2f, high: 2f);
        int[] opsLabels = KernelReference.RandomLabels(Batch, CnnOpsNet.OutputSize, seed: 9);
        (float[] Values, float[] Buffers, float[] Losses, float[] Logits)[]? reference = null;
        foreach ((int threads, bool split) in new[] { (1, false), (2, true), (3, true), (2, false) })
        {
            (float[], float[], float[], float[])[] runs;
            using (Partition.Override(threads, split))
            {
                runs =
                [
                    Run(new LeNet5(seed: 5, maxBatch: Batch), x, labels),
                    Run(new NormalizedCnn(seed: 5, maxBatch: Batch), x, labels),
                    Run(new CnnOpsNet(seed: 5, maxBatch: Batch), ops, opsLabels),
                ];
            }

            if (reference is null)
            {
                reference = runs;
                continue;
            }

            string[] names = [nameof(LeNet5), nameof(NormalizedCnn), nameof(CnnOpsNet)];
            for (int m = 0; m < runs.Length; m++)
            {
                GemmShapeTests.AssertSameBits(reference[m].Losses, runs[m].Item3, $"{names[m]} losses with {threads} threads");
                GemmShapeTests.AssertSameBits(reference[m].Values, runs[m].Item1, $"{names[m]} parameters with {threads} threads");
                GemmShapeTests.AssertSameBits(reference[m].Buffers, runs[m].Item2, $"{names[m]} buffers with {threads} threads");
                GemmShapeTests.AssertSameBits(reference[m].Logits, runs[m].Item4, $"{names[m]} eval logits with {threads} threads");
            }
        }

        static (float[], float[], float[], float[]) Run(IModel model, float[] x, int[] labels)
        {
            var adam = new Adam(model.Parameters, learningRate: 1e-2f);
            float[] losses = new float[Steps];
            for (int step = 0; step < Steps; step++)
            {
                losses[step] = model.TrainStep(x, labels, Batch);
                adam.Step();
            }

            Assert.All(losses, l => Assert.True(float.IsFinite(l)));
            float[] logits = new float[Batch * model.OutputSize];
            model.Forward(x, logits, Batch);
            return (model.Parameters.Values.ToArray(), model.Parameters.BufferValues.ToArray(), losses, logits);
        }
    }

    [Fact]
    public void LeNet5PassesNinetyFivePercentAfterTwoEpochs()
    {
        // Batch 16, Adam 2e-3 annealed to 0 over the two epochs (cosine, stepped per epoch: the second epoch runs at 1e-3).
        // With train's batch 64 and a constant 1e-3, two epochs of the 8,000 digits give about 92-93% in PyTorch too
        // (scripts/pytorch_cnn.py --epochs 2: 92.25% for seed 1), and at a constant 2e-3 the last epoch's steps move one
        // seed's accuracy by more than a point. With this schedule: `train --model lenet --epochs 2 --batch 16 --lr 2e-3
        // --lr-schedule cosine --seeds 1,2,3,4,5,6` 96.25-96.85% (mean 96.55%), PyTorch 95.25-97.15% (mean 96.49%;
        // scripts/pytorch_cnn.py, the same options). This is train's seed 1: its model seed and shuffling seed.
        (MnistDataset train, MnistDataset test) = MnistDataset.LoadDirectory(RepoPaths.MnistDataDirectory);
        InMemoryDataset testSet = InMemoryDataset.FromMnist(test);
        var model = new LeNet5(seed: 1, maxBatch: 16);
        var loader = new DataLoader(InMemoryDataset.FromMnist(train), 16, TrainCommand.ShuffleSeed(1));
        var adam = new Adam(model.Parameters, learningRate: 2e-3f);
        var options = new TrainerOptions { Validation = testSet, Scheduler = new CosineAnnealingLR(adam, 2) };
        var trainer = new Trainer(model, adam, loader, options);
        double initialAccuracy = trainer.Evaluate(testSet).Accuracy;

        var watch = System.Diagnostics.Stopwatch.StartNew();
        trainer.Fit(2);
        (EpochMetrics first, EpochMetrics second) = (trainer.History[0], trainer.History[1]);
        output.WriteLine($"LeNet5, 2 epochs: test accuracy {first.ValidationAccuracy:P2} then {second.ValidationAccuracy:P2} in {watch.Elapsed.TotalSeconds:F1} s");

        Assert.InRange(initialAccuracy, 0.0, 0.3);
        Assert.True(second.TrainingLoss < first.TrainingLoss, $"loss did not fall: {first.TrainingLoss} then {second.TrainingLoss}");
        Assert.True(second.ValidationAccuracy > 0.95, $"test accuracy after two epochs: {second.ValidationAccuracy:P2}");
    }
}
