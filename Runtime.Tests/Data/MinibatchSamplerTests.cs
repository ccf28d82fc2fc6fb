using System;
using System.Collections.Generic;
using StaticGrad.Data;
using Xunit;

namespace StaticGrad.Runtime.Tests;

public sealed class MinibatchSamplerTests
{
    /// <summary>A dataset whose sample i has pixels (i, 255 - i) and label i % 10, so batches reveal their indices.</summary>
    private static MnistDataset Indexed(int count)
    {
        byte[] pixels = new byte[count * 2];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            pixels[2 * i] = (byte)i;
            pixels[2 * i + 1] = (byte)(255 - i);
            labels[i] = (byte)(i % 10);
        }

        return new MnistDataset(pixels, labels, rows: 1, columns: 2);
    }

    private static int IndexOf(ReadOnlySpan<float> inputs, int row) => (int)MathF.Round(inputs[row * 2] * 255f);

    [Theory]
    [InlineData(10, 3, 4, 1)]
    [InlineData(10, 5, 2, 5)]
    [InlineData(10, 10, 1, 10)]
    [InlineData(10, 64, 1, 10)]
    [InlineData(250, 64, 4, 58)]
    public void BatchCount_IsCeiling_AndLastBatchIsPartial(int count, int batchSize, int batches, int lastSize)
    {
        MinibatchSampler sampler = new(Indexed(count), batchSize, new Rng(1));

        Assert.Equal(batches, sampler.BatchCount);
        for (int b = 0; b < batches - 1; b++)
        {
            Assert.Equal(batchSize, sampler.Gather(b));
            Assert.Equal(batchSize * 2, sampler.Inputs.Length);
            Assert.Equal(batchSize, sampler.Labels.Length);
        }

        Assert.Equal(lastSize, sampler.Gather(batches - 1));
        Assert.Equal(lastSize, sampler.CurrentBatchSize);
        Assert.Equal(lastSize * 2, sampler.Inputs.Length);
        Assert.Equal(lastSize, sampler.Labels.Length);
    }

    [Fact]
    public void Gather_CopiesThePermutedSamples()
    {
        MnistDataset data = Indexed(50);
        MinibatchSampler sampler = new(data, 7, new Rng(5));
        sampler.Shuffle();

        for (int b = 0; b < sampler.BatchCount; b++)
        {
            int n = sampler.Gather(b);
            for (int i = 0; i < n; i++)
            {
                int sample = sampler.Permutation[b * 7 + i];
                Assert.Equal(data.Image(sample).ToArray(), sampler.Inputs.Slice(i * 2, 2).ToArray());
                Assert.Equal(data.Labels[sample], sampler.Labels[i]);
            }
        }
    }

    [Fact]
    public void BeforeShuffle_OrderIsSequential_AndNothingIsGathered()
    {
        MinibatchSampler sampler = new(Indexed(10), 4, new Rng(1));

        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, sampler.Permutation.ToArray());
        Assert.Equal(0, sampler.CurrentBatchSize);
        Assert.True(sampler.Inputs.IsEmpty);
        Assert.True(sampler.Labels.IsEmpty);
    }

    [Fact]
    public void EachEpoch_VisitsEverySampleExactlyOnce()
    {
        MinibatchSampler sampler = new(Indexed(250), 64, new Rng(42));
        for (int epoch = 0; epoch < 5; epoch++)
        {
            sampler.Shuffle();
            int[] seen = new int[250];
            for (int b = 0; b < sampler.BatchCount; b++)
            {
                int n = sampler.Gather(b);
                for (int i = 0; i < n; i++)
                {
                    int index = IndexOf(sampler.Inputs, i);
                    seen[index]++;
                    Assert.Equal(index % 10, sampler.Labels[i]);
                }
            }

            Assert.All(seen, s => Assert.Equal(1, s));
        }
    }

    [Fact]
    public void Shuffle_IsDeterministicForASeed_AndDiffersAcrossEpochsAndSeeds()
    {
        List<int[]> RunEpochs(ulong seed)
        {
            MinibatchSampler sampler = new(Indexed(200), 32, new Rng(seed));
            List<int[]> orders = [];
            for (int epoch = 0; epoch < 3; epoch++)
            {
                sampler.Shuffle();
                orders.Add(sampler.Permutation.ToArray());
            }

            return orders;
        }

        List<int[]> a = RunEpochs(123);
        List<int[]> b = RunEpochs(123);
        List<int[]> c = RunEpochs(124);

        for (int epoch = 0; epoch < 3; epoch++)
        {
            Assert.Equal(a[epoch], b[epoch]);
            Assert.NotEqual(a[epoch], c[epoch]);
        }

        Assert.NotEqual(a[0], a[1]);
        Assert.NotEqual(a[1], a[2]);
        int[] identity = new int[200];
        for (int i = 0; i < identity.Length; i++)
        {
            identity[i] = i;
        }

        Assert.NotEqual(identity, a[0]);
    }

    [Fact]
    public void Shuffle_DependsOnlyOnTheGeneratorState()
    {
        Rng rng = new(9);
        MinibatchSampler sampler = new(Indexed(100), 10, rng);
        sampler.Shuffle();
        (uint, uint, uint, uint) state = rng.GetState();
        sampler.Shuffle();
        int[] second = sampler.Permutation.ToArray();

        Rng resumed = new(1);
        resumed.SetState(state);
        MinibatchSampler fresh = new(Indexed(100), 10, resumed);
        fresh.Shuffle();

        Assert.Equal(second, fresh.Permutation.ToArray());
    }

    [Fact]
    public void ShuffleAndGather_AllocateNothing_OverAnEpoch()
    {
        (MnistDataset train, _) = MnistDataset.LoadDirectory(RepoPaths.MnistDataDirectory);
        MinibatchSampler sampler = new(train, 64, new Rng(7));
        float checksum = 0;

        void Epoch()
        {
            sampler.Shuffle();
            for (int b = 0; b < sampler.BatchCount; b++)
            {
                int n = sampler.Gather(b);
                checksum += sampler.Inputs[0] + sampler.Labels[n - 1];
            }
        }

        AllocationAssert.None("an epoch of Shuffle and Gather", Epoch, calls: 2, warmUp: 1);
        Assert.Equal(125, sampler.BatchCount);
        Assert.True(checksum > 0);
    }

    [Fact]
    public void Arguments_AreValidated()
    {
        MnistDataset data = Indexed(10);

        Assert.Throws<ArgumentNullException>(() => new MinibatchSampler(null!, 4, new Rng(1)));
        Assert.Throws<ArgumentNullException>(() => new MinibatchSampler(data, 4, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinibatchSampler(data, 0, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinibatchSampler(data, -3, new Rng(1)));
        ArgumentException empty = Assert.Throws<ArgumentException>(() => new MinibatchSampler(Indexed(0), 4, new Rng(1)));
        Assert.Contains("empty", empty.Message);

        MinibatchSampler sampler = new(data, 4, new Rng(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Gather(-1));
        ArgumentOutOfRangeException past = Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Gather(3));
        Assert.Contains("[0, 3)", past.Message);
    }

    [Fact]
    public void HugeBatchSize_AllocatesOnlyForTheDataset()
    {
        MinibatchSampler sampler = new(Indexed(10), int.MaxValue, new Rng(1));

        Assert.Equal(1, sampler.BatchCount);
        Assert.Equal(10, sampler.Gather(0));
    }
}
