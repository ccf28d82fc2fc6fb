using System;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models
{
    /// <summary>Wide enough that every kernel of a training step splits, with every activation.</summary>
    [Model(Inputs = 300)]
    public sealed partial class ParallelTestModel
    {
        [Linear(200), Tanh]
        public partial Linear Hidden1 { get; }

        [Linear(150), Sigmoid]
        public partial Linear Hidden2 { get; }

        [Linear(100), ReLU]
        public partial Linear Hidden3 { get; }

        [Linear(10)]
        public partial Linear Output { get; }

        [SoftmaxCrossEntropy]
        public partial SoftmaxCrossEntropyLoss Loss { get; }
    }
}

namespace StaticGrad.Runtime.Tests
{
    using StaticGrad.Runtime.Tests.Models;

    /// <summary>Training is bit-reproducible whatever the thread count and whichever way each kernel splits.</summary>
    public sealed class TrainingDeterminismTests
    {
        [Fact]
        public void TrainingSteps_GiveTheSameBits_WithOneTwoAndThreeThreads()
        {
            const int Batch = 37, Steps = 4;
            float[] x = KernelReference.Random(Batch * ParallelTestModel.InputSize, seed: 21, low: 0f, high: 1f);
            int[] labels = KernelReference.RandomLabels(Batch, ParallelTestModel.OutputSize, seed: 22);
            (float[] Parameters, float[] Losses)? reference = null;
            foreach ((int threads, bool split) in new[] { (1, false), (2, true), (3, true), (2, false) })
            {
                var model = new ParallelTestModel(seed: 5, maxBatch: Batch);
                var adam = new Adam(model.Parameters, learningRate: 1e-2f);
                float[] losses = new float[Steps];
                using (Partition.Override(threads, split))
                {
                    for (int step = 0; step < Steps; step++)
                    {
                        losses[step] = model.TrainStep(x, labels, Batch);
                        adam.Step();
                    }
                }

                float[] parameters = model.Parameters.Values.ToArray();
                if (reference is null)
                {
                    reference = (parameters, losses);
                    Assert.True(losses[^1] < losses[0], "the loss should fall");
                }
                else
                {
                    GemmShapeTests.AssertSameBits(reference.Value.Losses, losses, $"losses with {threads} threads");
                    GemmShapeTests.AssertSameBits(reference.Value.Parameters, parameters, $"parameters with {threads} threads");
                }
            }
        }
    }
}
