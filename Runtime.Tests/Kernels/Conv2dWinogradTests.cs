using System;
using System.Linq;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Conv2dWinograd"/>, the forward pass of 5 × 5 convolutions by F(2 × 2, 5 × 5) over samples in lanes,
/// through <see cref="Kernels.Conv2d.Forward"/>: the bits of its documented order (a scalar transcription below) for full
/// and partial blocks, tiles of 1 to 4 output channels, padding, rectangular planes, with and without bias and ReLU;
/// within a few float32 roundings of the exact sums; the same bits on 1, 2 and 3 threads; a sample with a non-finite
/// input or sums beyond float32's range, and kernels whose transform is not finite, by the direct paths (their bits);
/// and the shapes and batches it takes. Run again under each instruction-set setting in CI (16, 8 and 4 lanes).
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class Conv2dWinogradTests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(64, 6, 14, 14, 16, 5, 1, 0, 1, 1),      // LeNet conv2, batch 64: 4 blocks of 16 (8 of 8, 16 of 4)
        ConvShape.Square(8, 6, 14, 14, 16, 5, 1, 0, 1, 1),       // the smallest batch it takes: half a 16-lane block
        ConvShape.Square(17, 2, 8, 10, 7, 5, 1, 2, 1, 1),        // padding 2, a rectangular plane, 7 channels as 4 + 3, a last block of 1
        ConvShape.Square(9, 3, 10, 12, 1, 5, 1, 1, 1, 1),        // one output channel, 8 × 10 outputs
        ConvShape.Square(12, 20, 6, 6, 10, 5, 1, 0, 1, 1),       // 20 input channels, one 2 × 2 block per plane, channels as 4 + 4 + 2
        new ConvShape(10, 4, 8, 12, 6, 5, 5, 1, 1, 1, 2, 1, 1, 1), // different paddings: 6 × 12 outputs
    ];

    public static TheoryData<int, bool, bool> ShapesWithBiasAndReLU()
    {
        var data = new TheoryData<int, bool, bool>();
        for (int shape = 0; shape < AllShapes.Length; shape++)
        {
            data.Add(shape, true, true);
            data.Add(shape, shape % 2 == 0, false);
        }

        return data;
    }

    public static TheoryData<int> Shapes() => new(Enumerable.Range(0, AllShapes.Length));

    [Theory]
    [MemberData(nameof(ShapesWithBiasAndReLU))]
    public void GivesTheBitsOfTheDocumentedOrder(int shape, bool bias, bool relu)
    {
        ConvShape s = AllShapes[shape];
        Activation activation = relu ? Activation.ReLU : Activation.None;
        Assert.True(Conv2dWinograd.Applies(s.Geometry, s.Batch, activation), s.ToString());
        (float[] x, float[] w, float[] b) = Data(s, bias);
        float[] y = Forward(s, x, w, b, activation);
        GemmShapeTests.AssertSameBits(DocumentedOrder(s, x, w, b, relu), y, $"{s}, bias {bias}, ReLU {relu}");
    }

    /// <summary>
    /// Every output within <c>2⁻¹⁸ · (|b| + Σ|w·x|)</c> of the exact sum (about 32 float32 roundings of the sum's
    /// magnitude: Winograd's transforms scale values by up to 16 before the products and add them back).
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void IsWithinAFewRoundingsOfTheExactSums(int shape)
    {
        ConvShape s = AllShapes[shape];
        (float[] x, float[] w, float[] b) = Data(s, bias: true);
        float[] y = Forward(s, x, w, b, Activation.None);
        double[] exact = new double[s.OutputLength], magnitude = new double[s.OutputLength];
        int plane = s.OutHeight * s.OutWidth;
        for (int i = 0; i < exact.Length; i++)
        {
            exact[i] = b[i / plane % s.Out];
            magnitude[i] = Math.Abs(exact[i]);
        }

        s.ForEachTerm((output, input, weight) =>
        {
            double term = (double)w[weight] * x[input];
            exact[output] += term;
            magnitude[output] += Math.Abs(term);
        });
        double worst = 0;
        for (int i = 0; i < exact.Length; i++)
        {
            KernelReference.AssertClose(exact[i], y[i], magnitude[i] * Math.Pow(2, -18), $"{s} output {i}");
            worst = Math.Max(worst, Math.Abs(y[i] - exact[i]) / magnitude[i]);
        }

        // Not the direct sums' bits: a path that fell back to them would pass the bound unnoticed.
        Assert.NotEqual(Conv2dDirectTests.Im2ColForward(s, x, w, b, relu: false), y);
        Assert.True(worst > 0, "every output exact: the test data proves nothing");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SameBits_ForOneTwoAndThreeThreads(int shape) => Conv2dTests.AssertEveryPassSameBitsForOneTwoAndThreeThreads(AllShapes[shape] with { Batch = 45 });

    /// <summary>
    /// A NaN or infinite input reaches the outputs of its windows only, as in PyTorch's sums: its sample is computed by the
    /// direct path (Winograd's transforms would spread it over the 2 × 2 block, an infinity as NaN); the other samples
    /// keep this path's bits.
    /// </summary>
    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(3e38f)]
    public void ASampleWithANonFiniteInputOrOverflowingSums_TakesTheDirectPath(float value)
    {
        ConvShape s = AllShapes[2];
        (float[] x, float[] w, float[] b) = Data(s, bias: true);
        int sample = 5, inputSample = s.In * s.Height * s.Width, outputSample = s.Out * s.OutHeight * s.OutWidth;
        x[(sample * inputSample) + s.Width + 3] = value;
        float[] y = Forward(s, x, w, b, Activation.ReLU);
        float[] direct = Conv2dDirectTests.Im2ColForward(s, x, w, b, relu: true), winograd = DocumentedOrder(s, x, w, b, relu: true);
        for (int n = 0; n < s.Batch; n++)
        {
            float[] expected = n == sample ? direct : winograd;
            GemmShapeTests.AssertSameBits(expected.AsSpan(n * outputSample, outputSample).ToArray(), y.AsSpan(n * outputSample, outputSample).ToArray(), $"sample {n}, input {value}");
        }

        if (!float.IsFinite(value))
        {
            Assert.Contains(y.AsSpan(sample * outputSample, outputSample).ToArray(), v => !float.IsFinite(v));
        }
    }

    /// <summary>An infinite weight, or one whose transform overflows (16 · 3e37), sends the whole call to the direct paths: PyTorch's NaNs and infinities.</summary>
    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NaN)]
    [InlineData(3e37f)]
    public void KernelsWhoseTransformIsNotFinite_TakeTheDirectPaths(float value)
    {
        ConvShape s = AllShapes[1];
        (float[] x, float[] w, float[] b) = Data(s, bias: true);
        w[(3 * 25) + 24] = value;
        float[] y = Forward(s, x, w, b, Activation.ReLU);
        GemmShapeTests.AssertSameBits(Conv2dDirectTests.Im2ColForward(s, x, w, b, relu: true), y, $"a weight {value}");
    }

    [Fact]
    public void TakesFiveByFiveUnitStrideShapesWithEvenOutputs_FromEightSamples()
    {
        Activation relu = Activation.ReLU;
        Assert.True(Conv2dWinograd.Applies(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry, 8, relu));
        Assert.True(Conv2dWinograd.Applies(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry, 8, Activation.None));
        Assert.False(Conv2dWinograd.Applies(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry, 7, relu));           // 7 samples
        Assert.False(Conv2dWinograd.Applies(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry, 64, Activation.Tanh)); // Tanh
        Assert.False(Conv2dWinograd.Fits(ConvShape.Square(1, 1, 28, 28, 6, 5, 1, 2, 1, 1).Geometry));   // one input channel (LeNet's conv1)
        Assert.False(Conv2dWinograd.Fits(ConvShape.Square(1, 6, 15, 15, 16, 5, 1, 0, 1, 1).Geometry));  // 11 × 11 outputs
        Assert.False(Conv2dWinograd.Fits(ConvShape.Square(1, 6, 14, 14, 16, 3, 1, 0, 1, 1).Geometry));  // 3 × 3
        Assert.False(Conv2dWinograd.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 2, 0, 1, 1).Geometry));  // stride 2
        Assert.False(Conv2dWinograd.Fits(ConvShape.Square(1, 6, 18, 18, 16, 5, 1, 0, 2, 1).Geometry));  // dilation 2
        Assert.False(Conv2dWinograd.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 2).Geometry));  // groups
        Assert.False(Conv2dWinograd.Fits(ConvShape.Square(1, 64, 32, 32, 16, 5, 1, 2, 1, 1).Geometry)); // a block's planes past 256 KB
        Assert.True(Conv2dWinograd.Fits(ConvShape.Square(1, 2, 6, 8, 1, 5, 1, 0, 1, 1).Geometry));
    }

    [Fact]
    public void Suspended_TheDirectPathsRun_OnTheCallingThreadOnly()
    {
        ConvShape s = AllShapes[1];
        (float[] x, float[] w, float[] b) = Data(s, bias: true);
        Conv2dWinograd.Suspend(true);
        try
        {
            Assert.False(Conv2dWinograd.Applies(s.Geometry, s.Batch, Activation.ReLU));
            GemmShapeTests.AssertSameBits(Conv2dDirectTests.Im2ColForward(s, x, w, b, relu: true), Forward(s, x, w, b, Activation.ReLU), "suspended");
            bool elsewhere = false;
            var thread = new System.Threading.Thread(() => elsewhere = Conv2dWinograd.Applies(s.Geometry, s.Batch, Activation.ReLU));
            thread.Start();
            thread.Join();
            Assert.True(elsewhere);
        }
        finally
        {
            Conv2dWinograd.Suspend(false);
        }

        Assert.True(Conv2dWinograd.Applies(s.Geometry, s.Batch, Activation.ReLU));
    }

    private static (float[] X, float[] W, float[] B) Data(ConvShape s, bool bias) =>
        (KernelReference.Random(s.InputLength, seed: 71), KernelReference.Random(s.WeightLength, seed: 72, -0.3f, 0.3f), bias ? KernelReference.Random(s.Out, seed: 73) : []);

    /// <summary><see cref="Kernels.Conv2d.Forward"/> on 2 threads with a NaN-filled workspace.</summary>
    private static float[] Forward(ConvShape s, float[] x, float[] w, float[] b, Activation activation)
    {
        float[] y = new float[s.OutputLength], workspace = new float[s.WorkspaceFloats(2)];
        workspace.AsSpan().Fill(float.NaN);
        s.Forward(x, w, b, y, workspace, activation);
        return y;
    }

    private static float MultiplyAdd(float a, float b, float c) => Simd.HasFma ? MathF.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    /// <summary><see cref="Conv2dWinograd"/>'s kernel row: 5 taps to 6 values, no fused multiply-adds.</summary>
    private static float[] KernelTaps(float g0, float g1, float g2, float g3, float g4)
    {
        float even = (g0 + g2) + g4, odd = g1 + g3, evenPowers = (g0 + (4f * g2)) + (16f * g4), oddPowers = (2f * g1) + (8f * g3);
        return [g0 * 0.25f, (even + odd) / -6f, (even - odd) / -6f, (evenPowers + oddPowers) / 24f, (evenPowers - oddPowers) / 24f, g4];
    }

    /// <summary><see cref="Conv2dWinograd"/>'s input row: 6 values to the 6 of <c>Bᵀ d</c>.</summary>
    private static float[] InputTaps(float d0, float d1, float d2, float d3, float d4, float d5)
    {
        float s = MultiplyAdd(d2, -4f, d4), q = MultiplyAdd(d1, -4f, d3), r = d4 - d2, e = d3 - d1;
        return [MultiplyAdd(d0, 4f, MultiplyAdd(d2, -5f, d4)), s + q, s - q, MultiplyAdd(e, 2f, r), MultiplyAdd(e, -2f, r), MultiplyAdd(d1, 4f, MultiplyAdd(d3, -5f, d5))];
    }

    /// <summary><see cref="Conv2dWinograd"/>'s output row: 6 values to the 2 of <c>Aᵀ m</c>.</summary>
    private static (float Y0, float Y1) Combine(float m0, float m1, float m2, float m3, float m4, float m5)
        => ((m0 + (m1 + m2)) + (m3 + m4), MultiplyAdd(m3 - m4, 2f, m1 - m2) + m5);

    /// <summary>
    /// The documented order in scalar code: kernels <c>G g Gᵀ</c> (rows, then columns), each 6 × 6 input patch
    /// <c>Bᵀ d B</c> (rows, then columns; zero outside the plane), per transformed position a chain over the input
    /// channels (the first a product), each output block <c>Aᵀ M A</c> (rows, then columns), then the bias and ReLU.
    /// </summary>
    private static float[] DocumentedOrder(ConvShape s, float[] x, float[] w, float[] b, bool relu)
    {
        int oh = s.OutHeight, ow = s.OutWidth;
        float[,,,] u = new float[s.Out, s.In, 6, 6];
        for (int o = 0; o < s.Out; o++)
        {
            for (int c = 0; c < s.In; c++)
            {
                float G(int ky, int kx) => w[((((o * s.In) + c) * 5) + ky) * 5 + kx];
                float[][] rows = [.. Enumerable.Range(0, 5).Select(ky => KernelTaps(G(ky, 0), G(ky, 1), G(ky, 2), G(ky, 3), G(ky, 4)))];
                for (int j = 0; j < 6; j++)
                {
                    float[] column = KernelTaps(rows[0][j], rows[1][j], rows[2][j], rows[3][j], rows[4][j]);
                    for (int i = 0; i < 6; i++)
                    {
                        u[o, c, i, j] = column[i];
                    }
                }
            }
        }

        float[] y = new float[s.OutputLength];
        float[,,] v = new float[s.In, 6, 6];
        for (int n = 0; n < s.Batch; n++)
        {
            for (int ty = 0; ty < oh; ty += 2)
            {
                for (int tx = 0; tx < ow; tx += 2)
                {
                    for (int c = 0; c < s.In; c++)
                    {
                        float D(int r, int col)
                        {
                            int h = ty + r - s.PaddingHeight, wi = tx + col - s.PaddingWidth;
                            return h >= 0 && h < s.Height && wi >= 0 && wi < s.Width ? x[((((n * s.In) + c) * s.Height) + h) * s.Width + wi] : 0f;
                        }

                        float[][] rows = [.. Enumerable.Range(0, 6).Select(r => InputTaps(D(r, 0), D(r, 1), D(r, 2), D(r, 3), D(r, 4), D(r, 5)))];
                        for (int j = 0; j < 6; j++)
                        {
                            float[] column = InputTaps(rows[0][j], rows[1][j], rows[2][j], rows[3][j], rows[4][j], rows[5][j]);
                            for (int i = 0; i < 6; i++)
                            {
                                v[c, i, j] = column[i];
                            }
                        }
                    }

                    for (int o = 0; o < s.Out; o++)
                    {
                        float[,] m = new float[6, 6];
                        for (int i = 0; i < 6; i++)
                        {
                            for (int j = 0; j < 6; j++)
                            {
                                float chain = v[0, i, j] * u[o, 0, i, j];
                                for (int c = 1; c < s.In; c++)
                                {
                                    chain = MultiplyAdd(v[c, i, j], u[o, c, i, j], chain);
                                }

                                m[i, j] = chain;
                            }
                        }

                        (float Y0, float Y1)[] rowSums = [.. Enumerable.Range(0, 6).Select(i => Combine(m[i, 0], m[i, 1], m[i, 2], m[i, 3], m[i, 4], m[i, 5]))];
                        (float top, float bottom) left = Combine(rowSums[0].Y0, rowSums[1].Y0, rowSums[2].Y0, rowSums[3].Y0, rowSums[4].Y0, rowSums[5].Y0);
                        (float top, float bottom) right = Combine(rowSums[0].Y1, rowSums[1].Y1, rowSums[2].Y1, rowSums[3].Y1, rowSums[4].Y1, rowSums[5].Y1);
                        int at = ((((n * s.Out) + o) * oh) + ty) * ow + tx;
                        y[at] = Finish(left.top, o);
                        y[at + 1] = Finish(right.top, o);
                        y[at + ow] = Finish(left.bottom, o);
                        y[at + ow + 1] = Finish(right.bottom, o);
                    }
                }
            }
        }

        return y;

        float Finish(float sum, int o)
        {
            float value = b.Length == 0 ? sum : sum + b[o];
            return relu ? Math.Max(value, 0f) : value;
        }
    }
}
