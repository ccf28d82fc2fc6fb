using System;
using System.Collections.Generic;
using System.Linq;
using StaticGrad.Data;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary><see cref="DataLoader"/>: epochs, partial batches, reproducibility, resumption and allocation.</summary>
public sealed class DataLoaderTests
{
    [Fact]
    public void EachEpoch_VisitsEverySampleOnce_WithAPartialLastBatch()
    {
        var loader = new DataLoader(InMemoryDatasetTests.Numbered(10, 3), batchSize: 4, seed: 7);
        Assert.Equal(3, loader.BatchCount);
        List<int[]> epochs = [];
        for (int epoch = 0; epoch < 2; epoch++)
        {
            loader.BeginEpoch();
            var seen = new List<int>();
            var sizes = new List<int>();
            while (loader.MoveNext())
            {
                sizes.Add(loader.CurrentBatchSize);
                for (int i = 0; i < loader.CurrentBatchSize; i++)
                {
                    int sample = (int)loader.Features[i];
                    seen.Add(sample);
                    Assert.Equal(sample % 3, loader.Labels[i]);
                }
            }

            Assert.Equal([4, 4, 2], sizes);
            Assert.Equal(Enumerable.Range(0, 10), seen.Order());
            epochs.Add([.. seen]);
        }

        Assert.NotEqual(epochs[0], epochs[1]);
        Assert.NotEqual(Enumerable.Range(0, 10), epochs[0]);
    }

    [Fact]
    public void DropLast_SkipsThePartialBatch_AndNoShuffleKeepsTheOrder()
    {
        var loader = new DataLoader(InMemoryDatasetTests.Numbered(10, 3), batchSize: 4, seed: 7, shuffle: false, dropLast: true);
        Assert.Equal(2, loader.BatchCount);
        loader.BeginEpoch();
        var seen = new List<float>();
        while (loader.MoveNext())
        {
            Assert.Equal(4, loader.CurrentBatchSize);
            seen.AddRange(loader.Features.ToArray());
        }

        Assert.Equal(Enumerable.Range(0, 8).Select(i => (float)i), seen);
    }

    [Fact]
    public void TargetDatasets_FillTheTargetBuffer()
    {
        var dataset = InMemoryDataset.FromTargets([0, 1, 2], 1, [0, 0.5f, 1, 1.5f, 2, 2.5f], 2);
        var loader = new DataLoader(dataset, batchSize: 2, seed: 1);
        loader.BeginEpoch();
        Assert.True(loader.MoveNext());
        Assert.Equal(0, loader.Labels.Length);
        for (int i = 0; i < 2; i++)
        {
            float id = loader.Features[i];
            Assert.Equal([id, id + 0.5f], loader.Targets.Slice(i * 2, 2).ToArray());
        }
    }

    [Fact]
    public void SameSeed_SameBatches_AndARestoredStateContinuesExactly()
    {
        InMemoryDataset dataset = InMemoryDatasetTests.Numbered(23, 4);
        var original = new DataLoader(dataset, 5, seed: 11);
        original.BeginEpoch();
        original.MoveNext();
        original.MoveNext();
        DataLoaderState state = original.GetState();
        List<float> expected = Drain(original, epochs: 2);

        var resumed = new DataLoader(dataset, 5, seed: 99);
        resumed.BeginEpoch();
        resumed.SetState(state);
        Assert.Equal(expected, Drain(resumed, epochs: 2));

        var fresh = new DataLoader(dataset, 5, seed: 11);
        fresh.BeginEpoch();
        fresh.MoveNext();
        fresh.MoveNext();
        Assert.Equal(expected, Drain(fresh, epochs: 2));

        Assert.Equal("state", Assert.Throws<ArgumentException>(() => resumed.SetState(state with { NextBatch = 9 })).ParamName);
    }

    [Fact]
    public void SetState_FromALoaderWithOtherSettings_IsRefused_NamingTheSetting()
    {
        var seven = new DataLoader(InMemoryDataset.FromLabels(new float[7], 1, new int[7]), 2, seed: 1);
        seven.BeginEpoch();
        seven.MoveNext();
        DataLoaderState state = seven.GetState();
        Assert.Equal((7, 2, true, false), (state.DatasetCount, state.BatchSize, state.Shuffle, state.DropLast));

        var five = new DataLoader(InMemoryDataset.FromLabels(new float[5], 1, new int[5]), 2, seed: 1);
        var error = Assert.Throws<ArgumentException>(() => five.SetState(state));
        Assert.Equal("state", error.ParamName);
        Assert.Contains("loader with DatasetCount 7; this loader has DatasetCount 5", error.Message, StringComparison.Ordinal);

        InMemoryDataset dataset = InMemoryDataset.FromLabels(new float[7], 1, new int[7]);
        Assert.Contains("BatchSize 2; this loader has BatchSize 4", Assert.Throws<ArgumentException>(() => new DataLoader(dataset, 4, 1).SetState(state)).Message, StringComparison.Ordinal);
        Assert.Contains("Shuffle True; this loader has Shuffle False", Assert.Throws<ArgumentException>(() => new DataLoader(dataset, 2, 1, shuffle: false).SetState(state)).Message, StringComparison.Ordinal);
        Assert.Contains("DropLast False; this loader has DropLast True", Assert.Throws<ArgumentException>(() => new DataLoader(dataset, 2, 1, dropLast: true).SetState(state)).Message, StringComparison.Ordinal);

        // Unknown settings (a state built from a training checkpoint, which stores only the generator) are not checked.
        new DataLoader(dataset, 2, 1, dropLast: true).SetState(state with { DatasetCount = null, BatchSize = null, Shuffle = null, DropLast = null });
    }

    [Fact]
    public void MoveNext_BeforeTheFirstBeginEpoch_SaysToCallBeginEpoch()
    {
        var loader = new DataLoader(InMemoryDatasetTests.Numbered(4, 2), 2, seed: 1);
        var error = Assert.Throws<InvalidOperationException>(() => loader.MoveNext());
        Assert.Contains("call BeginEpoch() before MoveNext()", error.Message, StringComparison.Ordinal);
        loader.BeginEpoch();
        Assert.True(loader.MoveNext());
    }

    [Fact]
    public void BeginEpochAndMoveNext_AllocateNothing()
    {
        Assert.Equal(0, AllocatedOverEpochs(new DataLoader(InMemoryDatasetTests.Numbered(103, 10), 16, seed: 5)));
    }

    /// <summary>Bytes the thread allocates over three whole epochs of <paramref name="loader"/>, after one warm-up batch.</summary>
    internal static long AllocatedOverEpochs(DataLoader loader)
    {
        loader.BeginEpoch();
        loader.MoveNext();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int epoch = 0; epoch < 3; epoch++)
        {
            loader.BeginEpoch();
            while (loader.MoveNext())
            {
            }
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void EpochOrders_AreFisherYatesFromTheIdentity_TheFormatOfTheTrainAppsCheckpoints()
    {
        // A training checkpoint stores the generator's state after the last epoch's shuffle (TrainingProgress.ShuffleState);
        // checkpoints written before the package's Trainer rely on exactly this sequence of orders.
        var loader = new DataLoader(InMemoryDatasetTests.Numbered(50, 10), 8, seed: 0x5DEECE66CUL);
        var rng = new Rng(0x5DEECE66CUL);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            int[] expected = Enumerable.Range(0, 50).ToArray();
            rng.Shuffle(expected.AsSpan());
            loader.BeginEpoch();
            Assert.Equal(expected, loader.Order.ToArray());
            Assert.Equal(rng.GetState(), loader.GetState().Rng);
        }
    }

    /// <summary>The features of the rest of this epoch, then of <paramref name="epochs"/> more.</summary>
    private static List<float> Drain(DataLoader loader, int epochs)
    {
        var values = new List<float>();
        for (int e = 0; e <= epochs; e++)
        {
            if (e > 0)
            {
                loader.BeginEpoch();
            }

            while (loader.MoveNext())
            {
                values.AddRange(loader.Features.ToArray());
                values.Add(-1); // batch boundary
            }
        }

        return values;
    }
}
