using System;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

public sealed class GemmTests
{
    public enum Form
    {
        Plain,
        TransposeA,
        TransposeB,
    }

    public static TheoryData<Form, int, int, int> Shapes()
    {
        var data = new TheoryData<Form, int, int, int>();
        int[][] shapes =
        [
            [1, 1, 1], [7, 33, 5], [33, 785, 7], [3, 1, 129], [1, 7, 33], [785, 1, 1], [5, 7, 785], [33, 33, 33], [2, 4, 16], [0, 3, 4],
        ];
        foreach (Form form in Enum.GetValues<Form>())
        {
            foreach (int[] s in shapes)
            {
                data.Add(form, s[0], s[1], s[2]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesDoubleReference_AndOverwritesOnlyC(Form form, int m, int k, int n)
    {
        float[] a = KernelReference.Random(m * k, seed: (ulong)((m * 1000) + k));
        float[] b = KernelReference.Random(k * n, seed: (ulong)((k * 1000) + n + 7));
        const int Slack = 5;
        float[] c = new float[(m * n) + Slack];
        c.AsSpan().Fill(float.NaN); // C is overwritten, not accumulated into
        c.AsSpan(m * n).Fill(12345f);

        Run(form, a, b, c, m, k, n);

        (double[] expected, double[] scale) = KernelReference.Gemm(a, b, m, k, n, form == Form.TransposeA, form == Form.TransposeB);
        for (int i = 0; i < m * n; i++)
        {
            KernelReference.AssertClose(expected[i], c[i], (1e-5 * scale[i]) + 1e-6, $"{form} ({m},{k},{n}) C[{i / n},{i % n}]");
        }

        for (int i = m * n; i < c.Length; i++)
        {
            Assert.Equal(12345f, c[i]);
        }
    }

    [Fact]
    public void Multiply_OfIdentity_IsExact()
    {
        const int N = 19;
        float[] identity = new float[N * N];
        for (int i = 0; i < N; i++)
        {
            identity[(i * N) + i] = 1f;
        }

        float[] b = KernelReference.Random(N * 23, seed: 3);
        float[] c = new float[N * 23];
        Gemm.Multiply(identity, b, c, N, N, 23);
        Assert.Equal(b, c);
        Gemm.MultiplyTransposeA(identity, b, c, N, N, 23);
        Assert.Equal(b, c);
    }

    [Theory]
    [InlineData(Form.Plain)]
    [InlineData(Form.TransposeA)]
    [InlineData(Form.TransposeB)]
    public void ShortSpans_ThrowNamingTheArgument(Form form)
    {
        float[] a = new float[8 * 784], b = new float[784 * 10], c = new float[8 * 10];
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => Run(form, new float[100], b, c, 8, 784, 10)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Run(form, a, new float[100], c, 8, 784, 10)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Run(form, a, b, new float[79], 8, 784, 10)).ParamName);
        Assert.Equal("m", Assert.Throws<ArgumentOutOfRangeException>(() => Run(form, a, b, c, -1, 784, 10)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => Run(form, a, b, c, 8, 0, 10)).ParamName);
        Assert.Equal("n", Assert.Throws<ArgumentOutOfRangeException>(() => Run(form, a, b, c, 8, 784, 0)).ParamName);
    }

    [Fact]
    public void ShortSpan_MessageStatesTheExpectedLength()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[100], new float[784 * 10], new float[80], 8, 784, 10));
        Assert.StartsWith("Expected at least 6272 elements (m*k = 8*784), got 100.", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposeA(new float[100], new float[784 * 10], new float[80], 8, 784, 10));
        Assert.StartsWith("Expected at least 6272 elements (k*m = 784*8), got 100.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OutputOverlappingAnInput_Throws()
    {
        float[] buffer = new float[64];
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Gemm.Multiply(buffer.AsSpan(0, 16), buffer.AsSpan(32, 16), buffer.AsSpan(8, 16), 4, 4, 4)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposeB(buffer.AsSpan(0, 16), buffer.AsSpan(16, 16), buffer.AsSpan(16, 16), 4, 4, 4)).ParamName);
    }

    private static void Run(Form form, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        switch (form)
        {
            case Form.Plain:
                Gemm.Multiply(a, b, c, m, k, n);
                break;
            case Form.TransposeA:
                Gemm.MultiplyTransposeA(a, b, c, m, k, n);
                break;
            default:
                Gemm.MultiplyTransposeB(a, b, c, m, k, n);
                break;
        }
    }
}
