using System.Linq;
using StaticGrad.Generator.Tests.Helpers;
using Xunit;

namespace StaticGrad.Generator.Tests;

/// <summary>
/// Valid declarations whose generated code did not compile or that were refused, found by the CNN differential tests
/// (scripts/golden_differential_cnn.py) and user sweeps: each must generate without diagnostics and compile without errors.
/// </summary>
public sealed class ScheduleCompileTests
{
    /// <summary>
    /// <c>Flat</c> feeds a later Concat, then a Concat of itself: when the training schedule reached that node, the tensor
    /// already had a gradient, so both of the node's contributions were extra buffers, and both got the same name.
    /// </summary>
    [Fact]
    public void AConcatOfATensorWithItself_AfterAnotherReaderOfIt_Compiles()
        => AssertCompiles("""
            using StaticGrad;

            [Model(Channels = 2, Height = 4, Width = 4)]
            public partial class SelfConcat
            {
                [Conv2d(3, 3, Padding = 1)] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Concat(nameof(Flat))] public partial Residual Twice { get; }
                [Concat(nameof(Flat))] public partial Residual Thrice { get; }
                [Linear(3)] public partial Linear Head { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """);

    /// <summary>
    /// Eval mode skips the input dropout, so the Tanh after it reads the caller's inputs; it was scheduled in place
    /// there (a write to a <c>ReadOnlySpan</c>), because only the dropout's readers were counted.
    /// </summary>
    [Fact]
    public void AnInPlaceOpAfterInputDropout_Compiles()
        => AssertCompiles("""
            using StaticGrad;

            [Model(Inputs = 6)]
            public partial class InputDropout
            {
                [Dropout(0.5f)] public partial Dropout Drop { get; }
                [Tanh] public partial ActivationLayer Act { get; }
                [Linear(3)] public partial Linear Head { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """);

    /// <summary>
    /// A first convolution forms its output gradient from the max pool after it; without an activation it passes no
    /// maxima (an empty span) and the pool's overlapping, padded windows take the scatter.
    /// </summary>
    [Fact]
    public void AFirstConvolutionWithoutActivationBeforeAMaxPool_Compiles()
        => AssertCompiles("""
            using StaticGrad;

            [Model(Channels = 1, Height = 8, Width = 8)]
            public partial class ConvThenPool
            {
                [Conv2d(4, 3, Padding = 1)] public partial Conv2d Conv { get; }
                [MaxPool2d(3, Stride = 2, Padding = 1)] public partial MaxPool2d Pool { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(3)] public partial Linear Head { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """);

    /// <summary>
    /// In ceil mode a pool kernel longer than its padded input by less than the stride still has one window, as in PyTorch
    /// (<c>nn.MaxPool2d(2, ceil_mode=True)</c> on 1 x 1 gives 1 x 1, <c>nn.AvgPool2d(4, ceil_mode=True)</c> on 5 x 3 gives
    /// 2 x 1); it was refused as an empty output (SG0033).
    /// </summary>
    [Fact]
    public void APoolKernelLongerThanItsInput_InCeilMode_HasOneWindow()
    {
        GeneratorRun run = AssertCompiles("""
            using StaticGrad;

            [Model(Channels = 2, Height = 5, Width = 3)]
            public partial class CeilPools
            {
                [AvgPool2d(4, CeilMode = true)] public partial AvgPool2d Pool { get; }
                [MaxPool2d(2, CeilMode = true)] public partial MaxPool2d Pool2 { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(3)] public partial Linear Head { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """);
        string graph = run.Result.GeneratedTrees.Single().ToString();
        Assert.Contains("ceil_mode=True) [B, 2, 2, 1]", graph);
        Assert.Contains("ceil_mode=True) [B, 2, 1, 1]", graph);
    }

    /// <summary>
    /// Member names in other scripts (letters beyond ASCII, combining marks): the backward pass declared only the buffers
    /// whose names an ASCII-only pattern found in its code, so <c>größeOutput</c> was used but never declared (CS0103).
    /// </summary>
    [Fact]
    public void MemberNamesBeyondAscii_Compile()
        => AssertCompiles("""
            using StaticGrad;

            [Model(Inputs = 4)]
            public partial class Unicode
            {
                [Linear(8), ReLU] public partial Linear Größe { get; }
                [Linear(8), Tanh] public partial Linear 층 { get; }
                [Linear(8)] public partial Linear Ärger { get; }
                [Add(nameof(층))] public partial Residual Café́ { get; }
                [Linear(3)] public partial Linear Output { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """);

    private static GeneratorRun AssertCompiles(string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Empty(run.GeneratorDiagnostics);
        string[] errors = run.CompilationErrors.Select(d => d.ToString()).ToArray();
        Assert.True(errors.Length == 0, "The generated code does not compile:\n" + string.Join("\n", errors));
        return run;
    }
}
