using System.Linq;
using StaticGrad.Generator.Tests.Helpers;
using Xunit;

namespace StaticGrad.Generator.Tests;

/// <summary>
/// Valid declarations whose generated code did not compile, found by the CNN differential tests
/// (scripts/golden_differential_cnn.py): each must generate without diagnostics and compile without errors.
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

    private static void AssertCompiles(string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Empty(run.GeneratorDiagnostics);
        string[] errors = run.CompilationErrors.Select(d => d.ToString()).ToArray();
        Assert.True(errors.Length == 0, "The generated code does not compile:\n" + string.Join("\n", errors));
    }
}
