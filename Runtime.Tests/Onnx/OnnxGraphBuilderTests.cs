using System;
using System.Linq;
using StaticGrad.Onnx;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests.Onnx;

/// <summary>ONNX Runtime runs every graph of <see cref="OnnxCases"/> and matches the runtime's own kernels within 1e-5.</summary>
public sealed class OnnxGraphBuilderTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-5f;

    public static TheoryData<string> Cases => OnnxCases.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnnxRuntime_MatchesTheKernels(string name)
    {
        OnnxCase c = OnnxCases.Get(name);

        float[] actual = OnnxRunner.Run(c.Model, c.Input, c.InputShape);

        Assert.Equal(c.Expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            float difference = Math.Abs(actual[i] - c.Expected[i]);
            Assert.True(difference <= Tolerance * Math.Max(1f, Math.Abs(c.Expected[i])), $"{name}: element {i} is {actual[i]} in ONNX Runtime and {c.Expected[i]} in the kernels");
            worst = Math.Max(worst, difference);
        }

        output.WriteLine($"{name}: {c.Model.Length} bytes, {actual.Length} outputs, max |difference| {worst:E2}");
    }

    [Fact]
    public void TheBatchDimensionIsDynamic()
    {
        OnnxCase c = OnnxCases.Get("mnist128_state_dict");
        float[] one = c.Input[..784];

        float[] single = OnnxRunner.Run(c.Model, one, [1, 784]);

        Assert.Equal(c.Expected[..10].Select(v => MathF.Round(v, 4)), single.Select(v => MathF.Round(v, 4)));
    }

    [Fact]
    public void TheSameGraphGivesTheSameBytes()
    {
        Assert.Equal(OnnxCases.Get("small_cnn").Model, OnnxCases.Get("small_cnn").Model);
    }

    [Fact]
    public void Mistakes_ThrowAtTheCallThatMadeThem()
    {
        var builder = new OnnxGraphBuilder();
        string x = builder.Input("x", 4);

        ArgumentException unknown = Assert.Throws<ArgumentException>(() => builder.Gemm(x, "fc1.weight", null));
        Assert.Contains("Tensor 'fc1.weight' does not exist", unknown.Message);
        Assert.Throws<ArgumentException>(() => builder.Input("x", 4));
        Assert.Throws<ArgumentException>(() => builder.Initializer("w", new float[5], 2, 2));
        Assert.Throws<ArgumentException>(() => builder.BatchNormalization(x, 4, builder.Initializer("g", new float[4], 4), null, x, x, 1e-5f));
        InvalidOperationException noOutput = Assert.Throws<InvalidOperationException>(() => builder.ToArray());
        Assert.Contains("needs at least one input and one output", noOutput.Message);
    }

    [Fact]
    public void ARefusedInputOrOutputShape_LeavesTheBuilderUnchanged()
    {
        var builder = new OnnxGraphBuilder();
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Input("x", 0));
        Assert.False(builder.HasTensor("x"));
        string x = builder.Input("x", 4);
        string y = builder.Relu(x);

        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Output(y, "y", -1));
        Assert.False(builder.HasTensor("y"));
        Assert.Equal(1, builder.NodeCount);
        Assert.Equal("y", builder.Output(y, "y", 4));
        Assert.Equal(2, builder.NodeCount);
    }

    [Fact]
    public void AGraphOutputNameUsedTwice_IsRefusedNamingTheArgument_AndTheBuilderIsUnchanged()
    {
        var builder = new OnnxGraphBuilder();
        string x = builder.Input("x", 4);
        string y = builder.Relu(x, "y");
        string z = builder.Sigmoid(x, "z");
        builder.Output(y, null, 4);
        builder.Output(z, "probabilities", 4);

        ArgumentException sameTensor = Assert.Throws<ArgumentException>(() => builder.Output(y, null, 4));
        Assert.Equal("tensor", sameTensor.ParamName);
        Assert.Contains("'y' is already an output of graph", sameTensor.Message);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => builder.Output(y, "y", 4)).ParamName);
        ArgumentException renamed = Assert.Throws<ArgumentException>(() => builder.Output(z, "probabilities", 4));
        Assert.Equal("name", renamed.ParamName);
        Assert.Contains("'probabilities' is already an output of graph", renamed.Message);
        ArgumentException taken = Assert.Throws<ArgumentException>(() => builder.Output(z, "x", 4));
        Assert.Equal("name", taken.ParamName);
        Assert.Contains("Tensor 'x' already exists", taken.Message);
        Assert.Equal(3, builder.NodeCount);
        builder.Output(z, "copy", 4);

        // The refused calls left nothing behind: the same graph built without them is the same file.
        var expected = new OnnxGraphBuilder();
        string ex = expected.Input("x", 4);
        string ey = expected.Relu(ex, "y");
        string ez = expected.Sigmoid(ex, "z");
        expected.Output(ey, null, 4);
        expected.Output(ez, "probabilities", 4);
        expected.Output(ez, "copy", 4);
        Assert.Equal(expected.ToArray(), builder.ToArray());
    }

    [Fact]
    public void ANodeOutputNameThatExists_IsRefusedNamingOutput_AndTheBuilderIsUnchanged()
    {
        var builder = new OnnxGraphBuilder();
        string x = builder.Input("x", 4);
        string w = builder.Initializer("w", new float[16], 4, 4);

        ArgumentException e = Assert.Throws<ArgumentException>(() => builder.Relu(x, output: x));
        Assert.Equal("output", e.ParamName);
        Assert.Contains("Tensor 'x' already exists", e.Message);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => builder.Gemm(x, w, null, output: w)).ParamName);
        Assert.Equal(0, builder.NodeCount);
        builder.Output(builder.Relu(builder.Gemm(x, w, null, "h"), "y"), null, 4);

        var expected = new OnnxGraphBuilder();
        string ex = expected.Input("x", 4);
        string ew = expected.Initializer("w", new float[16], 4, 4);
        expected.Output(expected.Relu(expected.Gemm(ex, ew, null, "h"), "y"), null, 4);
        Assert.Equal(expected.ToArray(), builder.ToArray());
    }

    public static TheoryData<string> RefusedLateOperations() => new()
    {
        "GeluTanh", "Gelu", "Softplus", "Silu", "Relu6", "MaxPoolPastPadding", "UpsampleToSize", "ReflectionPad",
        "BatchNormalizationWithBatchStatistics", "GroupNormalization", "AddStateDict",
    };

    [Theory]
    [MemberData(nameof(RefusedLateOperations))]
    public void AnOperationRefusedAfterItsFirstNodes_LeavesTheBuilderUnchanged(string operation)
    {
        // Each call is refused only at a late node (its output name exists, or a weight it reads last is missing), after
        // it has added nodes, constants or initializers: none of them may stay.
        var builder = new OnnxGraphBuilder();
        string x = builder.Input("x", 2, 4, 4);
        string taken = builder.Relu(x, "taken");
        int nodes = builder.NodeCount;
        Action refused = operation switch
        {
            "GeluTanh" => () => builder.GeluTanh(x, taken),
            "Gelu" => () => builder.Gelu(x, taken),
            "Softplus" => () => builder.Softplus(x, 2f, 10f, taken),
            "Silu" => () => builder.Silu(x, taken),
            "Relu6" => () => builder.Relu6(x, taken),
            "MaxPoolPastPadding" => () => builder.MaxPool(x, (2, 2), (2, 2), (1, 1), (3, 3), taken),
            "UpsampleToSize" => () => builder.UpsampleBilinearToSize(x, (6, 6), alignCorners: false, taken),
            "ReflectionPad" => () => builder.ReflectionPad(x, 1, -1, 1, -1, taken),
            "BatchNormalizationWithBatchStatistics" => () => builder.BatchNormalizationWithBatchStatistics(x, 4, "gamma", "beta", 1e-5f),
            "GroupNormalization" => () => builder.GroupNormalization(x, [2, 4, 4], 2, "gamma", "beta", 1e-5f),
            _ => () => builder.AddStateDict(new StaticGrad.Models.MnistClassifier128(seed: 1, maxBatch: 1).Parameters),
        };
        if (operation == "AddStateDict")
        {
            builder.Initializer("fc2.bias", new float[10], 10);
        }

        Assert.Throws<ArgumentException>(refused);
        Assert.Equal(nodes, builder.NodeCount);
        Assert.False(builder.HasTensor("fc1.weight"));
        builder.Output(builder.Gelu(builder.Softplus(taken, 2f, 10f)), "y", 2, 4, 4);

        var expected = new OnnxGraphBuilder();
        string ex = expected.Input("x", 2, 4, 4);
        string et = expected.Relu(ex, "taken");
        if (operation == "AddStateDict")
        {
            expected.Initializer("fc2.bias", new float[10], 10);
        }

        expected.Output(expected.Gelu(expected.Softplus(et, 2f, 10f)), "y", 2, 4, 4);
        Assert.Equal(expected.ToArray(), builder.ToArray());
    }

    [Fact]
    public void Constants_AreSharedAndStateDictNamesKept()
    {
        var builder = new OnnxGraphBuilder();
        string x = builder.Input("x", 4);
        builder.Output(builder.Gelu(builder.Gelu(x)), "y", 4);

        Assert.Equal(builder.Scalar(0.5f), builder.Scalar(0.5f));
        Assert.Equal(11, builder.NodeCount); // two Gelus of five nodes (Div, Erf, Mul, Add, Mul), and the Identity naming the output
        var model = new StaticGrad.Models.MnistClassifier128(seed: 1, maxBatch: 1);
        var withWeights = new OnnxGraphBuilder();
        withWeights.AddStateDict(model.Parameters);
        Assert.True(withWeights.HasTensor("fc1.weight") && withWeights.HasTensor("fc2.bias"));
    }
}
