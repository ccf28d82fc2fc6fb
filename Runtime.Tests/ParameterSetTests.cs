using System;
using System.Collections.Generic;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary><see cref="ParameterSet"/>, <see cref="ParameterTensor"/> and <see cref="BufferTensor"/>: bad arguments are named.</summary>
public sealed class ParameterSetTests
{
    [Fact]
    public void ANullTensorOrBuffer_IsAnArgumentException_NamingItsIndex()
    {
        // It was a NullReferenceException from inside the constructor.
        var e = Assert.Throws<ArgumentException>(() => new ParameterSet(new ParameterTensor[] { null! }));
        Assert.Equal("tensors", e.ParamName);
        Assert.StartsWith("tensors[0] is null.", e.Message, StringComparison.Ordinal);
        var w = new ParameterTensor("w", 0, [2], fanIn: 1);
        e = Assert.Throws<ArgumentException>(() => new ParameterSet([w, null!]));
        Assert.StartsWith("tensors[1] is null.", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => new ParameterSet([w], [new BufferTensor("b", 0, [1], BufferElementType.Float32, 0), null!]));
        Assert.Equal("buffers", e.ParamName);
        Assert.StartsWith("buffers[1] is null.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValuesOfAndGradientsOf_ATensorOfAnotherSet_AreRefused_NamingIt()
    {
        // They returned the span at the foreign tensor's offset: another model's 'head.bias' (offset 2, 3 values) read this
        // set's values 2-4, which straddle 'a' and 'b'.
        var set = new ParameterSet([new ParameterTensor("a", 0, [4], fanIn: 1), new ParameterTensor("b", 4, [3], fanIn: 1)]);
        var other = new ParameterSet([new ParameterTensor("head.weight", 0, [2], fanIn: 1), new ParameterTensor("head.bias", 2, [3], fanIn: 1)]);
        var twin = new ParameterSet([new ParameterTensor("a", 0, [4], fanIn: 1), new ParameterTensor("b", 4, [3], fanIn: 1)]);
        foreach (ParameterTensor foreign in new[] { other.Tensors[1], other.Tensors[0], twin.Tensors[1] })
        {
            var e = Assert.Throws<ArgumentException>(() => set.ValuesOf(foreign));
            Assert.Equal("tensor", e.ParamName);
            Assert.Contains($"'{foreign.Name}' is not one of this set's tensors", e.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => set.GradientsOf(foreign));
        }

        // A set built over the same tensors (as the trainers' best-weights copy) shares them.
        var copy = new ParameterSet(set.Tensors, set.Buffers);
        copy.ValuesOf(set.Tensors[1]).Fill(2f);
        copy.GradientsOf(set.Tensors[0]).Fill(3f);
        Assert.Equal([0f, 0f, 0f, 0f, 2f, 2f, 2f], copy.Values.ToArray());
        Assert.Equal(3f, copy.Gradients[3]);
        Assert.Equal(4, set.ValuesOf(set["a"]).Length);
        Assert.Throws<ArgumentNullException>(() => set.ValuesOf((ParameterTensor)null!));
    }

    [Fact]
    public void ValuesOfAndCountersOf_ABufferOfAnotherSet_AreRefused_NamingIt()
    {
        // They returned the span at the foreign buffer's offset.
        ParameterTensor[] tensors = [new ParameterTensor("w", 0, [2], fanIn: 1)];
        BufferTensor mean = new("bn.running_mean", 0, [3], BufferElementType.Float32, 0), count = new("bn.num_batches_tracked", 0, [], BufferElementType.Int64, 0);
        var set = new ParameterSet(tensors, [mean, count]);
        var other = new ParameterSet([new ParameterTensor("w", 0, [2], fanIn: 1)], [
            new BufferTensor("bn.running_var", 0, [3], BufferElementType.Float32, 1), new BufferTensor("bn.num_batches_tracked", 0, [], BufferElementType.Int64, 0)]);
        var e = Assert.Throws<ArgumentException>(() => set.ValuesOf(other.Buffers[0]));
        Assert.Equal("buffer", e.ParamName);
        Assert.Contains("'bn.running_var' is not one of this set's buffers", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => set.CountersOf(other.Buffers[1]));
        Assert.Equal("buffer", e.ParamName);
        set.ValuesOf(mean).Fill(4f);
        set.CountersOf(count)[0] = 7;
        Assert.Equal([4f, 4f, 4f], set.BufferValues.ToArray());
        Assert.Equal(7, set.Counters[0]);
        Assert.Equal(3, new ParameterSet(tensors, set.Buffers).ValuesOf(mean).Length); // a set over the same buffers shares them
    }

    [Fact]
    public void ANullName_IsAnArgumentNullException()
    {
        // The indexer said "No parameter named ''", as if the caller had passed an empty string.
        var set = new ParameterSet([new ParameterTensor("w", 0, [2], fanIn: 1)]);
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => set[null!]).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => set.TryGetBuffer(null!, out _)).ParamName);
        Assert.Equal("tensor", Assert.Throws<ArgumentNullException>(() => set.ValuesOf((ParameterTensor)null!)).ParamName);
        Assert.Equal("tensor", Assert.Throws<ArgumentNullException>(() => set.GradientsOf(null!)).ParamName);
        Assert.Contains("No parameter named 'v'", Assert.Throws<KeyNotFoundException>(() => set["v"]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AShapeOrATotalBeyondTheLargestArray_NamesTheArgument_WithTheCountAndTheLimit()
    {
        // Both were a bare OverflowException naming nothing.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ParameterTensor("w", 0, [65536, 65536], 1));
        Assert.Equal("shape", e.ParamName);
        Assert.StartsWith("The shape [65536, 65536] of 'w' has 4294967296 elements; expected at most 2147483647.", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new BufferTensor("b", 0, [65536, 65536, 65536, 65536, 3], BufferElementType.Float32, 0));
        Assert.StartsWith("The shape [65536, 65536, 65536, 65536, 3] of 'b' has 55340232221128654848 elements", e.Message, StringComparison.Ordinal);
        Assert.Equal("shape", Assert.Throws<ArgumentOutOfRangeException>(() => new ParameterTensor("w", 0, [65536, 65536, 0], 1)).ParamName);

        const int Half = 1 << 30;
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new ParameterSet([new ParameterTensor("a", 0, [Half], 1), new ParameterTensor("b", Half, [Half], 1)]));
        Assert.Equal("tensors", e.ParamName);
        Assert.StartsWith("The parameters up to 'b' hold 2147483648 elements; expected at most 2147483591 (the largest array).", e.Message, StringComparison.Ordinal);
        var w = new ParameterTensor("w", 0, [1], 1);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new ParameterSet([w], [new BufferTensor("n", 0, [Half], BufferElementType.Int64, 0), new BufferTensor("m", Half, [Half], BufferElementType.Int64, 0)]));
        Assert.Equal("buffers", e.ParamName);
        Assert.StartsWith("The I64 buffers up to 'm' hold 2147483648 elements", e.Message, StringComparison.Ordinal);
    }
}
