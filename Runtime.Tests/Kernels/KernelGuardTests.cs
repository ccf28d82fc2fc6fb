using System;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// Dimensions whose product exceeds <see cref="int.MaxValue"/> (the most elements a span holds) are an
/// <see cref="ArgumentOutOfRangeException"/> naming a dimension, with the product and the limit, from every kernel that
/// multiplies them (they were a bare <see cref="OverflowException"/> naming nothing); and the guard's product helper.
/// </summary>
public sealed class KernelGuardTests
{
    private const int Big = 65536; // Big · Big = 2³²

    public static TheoryData<string, string, string> TooLarge() => new()
    {
        { "Upsample2d.Forward", "scaleHeight", "height*scaleHeight to be at most 2147483647 (the most elements a span holds), got 65536*65536 = 4294967296." },
        { "Upsample2d.ForwardToSize", "outWidth", "outHeight*outWidth to be at most 2147483647 (the most elements a span holds), got 65536*65536 = 4294967296." },
        { "UpsampleBilinear2d.Forward", "scaleWidth", "width*scaleWidth" },
        { "Concat.Forward", "bCols", "aCols+bCols to be at most 2147483647 (the most elements a span holds), got 2147483647+1 = 2147483648." },
        { "Multiply.ForwardByPixel", "width", "batch*height*width" },
        { "Multiply.ForwardByChannel", "channels", "batch*channels" },
        { "GlobalAvgPool2d.Backward", "width", "height*width" },
        { "AdaptiveAvgPool2d.Forward", "outWidth", "outHeight*outWidth" },
        { "ZeroPad2d.Forward", "channels", "batch*channels" },
        { "ReplicationPad2d.Forward", "width", "height*width" },
        { "BatchNorm.ForwardTraining", "inner", "outer*channels*inner to be at most 2147483647 (the most elements a span holds), got 65536*65536*1 = 4294967296." },
        { "BatchNorm.Backward", "inner", "outer*channels*inner" },
        { "GroupNorm.Forward", "groups", "batch*groups" },
        { "GroupNorm.UpdateRunningStatistics", "channels", "batch*channels" },
        { "FusedLinearCrossEntropy.WorkspaceFloats", "rows", "the workspace rows*(classBlock+6) to be at most 2147483647 (the most elements a span holds), got 81604378586." },
        { "FusedLinearCrossEntropy.WorkspaceFloatsUpTo", "maxRows", "the workspace rows*(classBlock+6) of the largest batch" },
        { "Conv2d.WorkspaceFloats", "width", "inChannels*height*width" },
        { "MaxPool2d.Forward", "channels", "batch*channels" },
    };

    [Theory]
    [MemberData(nameof(TooLarge))]
    public void ADimensionProductBeyondTheLargestSpan_IsRefusedNamingADimension_WithTheProductAndTheLimit(string kernel, string paramName, string message)
    {
        Action call = kernel switch
        {
            "Upsample2d.Forward" => () => Kernels.Upsample2d.Forward([], [], 1, 1, Big, 1, Big, 1),
            "Upsample2d.ForwardToSize" => () => Kernels.Upsample2d.ForwardToSize([], [], 1, 1, 1, 1, Big, Big),
            "UpsampleBilinear2d.Forward" => () => Kernels.UpsampleBilinear2d.Forward([], [], 1, 1, 1, Big, 1, Big, alignCorners: false),
            "Concat.Forward" => () => Kernels.Concat.Forward([], int.MaxValue, [], 1, [], 1),
            "Multiply.ForwardByPixel" => () => Kernels.Multiply.ForwardByPixel([], [], [], Big, 1, Big, 1),
            "Multiply.ForwardByChannel" => () => Kernels.Multiply.ForwardByChannel([], [], [], Big, Big, 1, 1),
            "GlobalAvgPool2d.Backward" => () => Kernels.GlobalAvgPool2d.Backward([], [], 1, 1, Big, Big),
            "AdaptiveAvgPool2d.Forward" => () => Kernels.AdaptiveAvgPool2d.Forward([], [], 1, 1, 1, 1, Big, Big),
            "ZeroPad2d.Forward" => () => Kernels.ZeroPad2d.Forward([], [], Big, Big, 1, 1, 0, 0, 0, 0),
            "ReplicationPad2d.Forward" => () => Kernels.ReplicationPad2d.Forward([], [], 1, 1, Big, Big, 0, 0, 0, 0),
            "BatchNorm.ForwardTraining" => () => Kernels.BatchNorm.ForwardTraining([], [], [], [], [], [], [], [], [], Big, Big, 1, 1e-5f, 0.1f),
            "BatchNorm.Backward" => () => Kernels.BatchNorm.Backward([], [], [], [], [], [], [], Big, Big, 1),
            "GroupNorm.Forward" => () => Kernels.GroupNorm.Forward([], [], [], [], [], [], Big, Big, Big, 1, 1e-5f),
            "GroupNorm.UpdateRunningStatistics" => () => Kernels.GroupNorm.UpdateRunningStatistics([], [], [], Big, Big, 2, 0.1f),
            "FusedLinearCrossEntropy.WorkspaceFloats" => () => Kernels.FusedLinearCrossEntropy.WorkspaceFloats(int.MaxValue, 1000),
            "FusedLinearCrossEntropy.WorkspaceFloatsUpTo" => () => Kernels.FusedLinearCrossEntropy.WorkspaceFloatsUpTo(int.MaxValue, 1),
            "Conv2d.WorkspaceFloats" => () => Kernels.Conv2d.WorkspaceFloats(Big, Big, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1),
            "MaxPool2d.Forward" => () => Kernels.MaxPool2d.Forward([], [], [], Big, Big, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1),
            _ => throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "No such case."),
        };

        var e = Assert.Throws<ArgumentOutOfRangeException>(call);
        Assert.Equal(paramName, e.ParamName);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains(int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Product_IsExactBelowTheLimit_ZeroWithAZeroFactor_AndNamesTheDimensionAbove()
    {
        Assert.Equal(int.MaxValue, KernelGuard.Product("b", "a*b", int.MaxValue, 1));
        Assert.Equal(0, KernelGuard.Product("c", "a*b*c", Big, Big, 0));
        Assert.Equal(0, KernelGuard.Product("c", "a*b*c", 0, Big, Big));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => KernelGuard.Product("e", "a*b*c*d*e", Big, Big, Big, Big, 3));
        Assert.Equal("e", e.ParamName);
        Assert.StartsWith("Expected a*b*c*d*e to be at most 2147483647 (the most elements a span holds), got 65536*65536*65536*65536*3 = 55340232221128654848.", e.Message, StringComparison.Ordinal);
        Assert.Equal(int.MaxValue, KernelGuard.Sum(int.MaxValue - 1, 1, "b", "a+b"));
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => KernelGuard.Fits(int.MaxValue + 1L, "count", "count")).ParamName);
    }
}
