using System;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>Every kernel and every optimizer step allocates nothing once warmed up.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void Kernels_DoNotAllocate()
    {
        const int Batch = 9, Inputs = 37, Outputs = 11;
        float[] x = KernelReference.Random(Batch * Inputs, seed: 1);
        float[] w = KernelReference.Random(Outputs * Inputs, seed: 2);
        float[] b = KernelReference.Random(Outputs, seed: 3);
        float[] y = new float[Batch * Outputs];
        float[] g = new float[Batch * Outputs];
        float[] bg = new float[Outputs];
        float[] wg = new float[Outputs * Inputs];
        float[] xg = new float[Batch * Inputs];
        int[] labels = KernelReference.RandomLabels(Batch, Outputs, seed: 4);

        AllocationAssert.None("Gemm.Multiply", () => Gemm.Multiply(g, w, xg, Batch, Outputs, Inputs));
        AllocationAssert.None("Gemm.MultiplyTransposeA", () => Gemm.MultiplyTransposeA(g, x, wg, Outputs, Batch, Inputs));
        AllocationAssert.None("Gemm.MultiplyTransposeB", () => Gemm.MultiplyTransposeB(x, w, y, Batch, Inputs, Outputs));
        AllocationAssert.None("LinearBackward", () => LinearBackward.Run(g, x, w, wg, xg, Batch, Inputs, Outputs));
        foreach (Activation activation in KernelReference.EpilogueActivations)
        {
            AllocationAssert.None($"LinearForward {activation}", () => LinearForward.Run(x, w, b, y, Batch, Inputs, Outputs, activation));
            AllocationAssert.None($"ApplyAndReduceBias {activation}", () => ActivationBackward.ApplyAndReduceBias(g, y, bg, Batch, Outputs, activation));
            AllocationAssert.None($"ActivationBackward.Apply {activation}", () => ActivationBackward.Apply(g, y, g.Length, activation));
        }

        AllocationAssert.None("ForwardBackward", () => SoftmaxCrossEntropy.ForwardBackward(y, labels, Batch, Outputs, 0.1f, Reduction.Mean));
        AllocationAssert.None("ForwardBackward", () => SoftmaxCrossEntropy.ForwardBackward(y, labels, Batch, Outputs, 0f, Reduction.Sum));
        AllocationAssert.None("Loss", () => SoftmaxCrossEntropy.Loss(y, labels, Batch, Outputs, 0.1f, Reduction.Mean));
        AllocationAssert.None("ValidateLabels", () => SoftmaxCrossEntropy.ValidateLabels(labels, Outputs));
        AllocationAssert.None("Softmax.Rows", () => Softmax.Rows(y, Batch, Outputs));
        AllocationAssert.None("ArgMax.Row", () => ArgMax.Row(y));
    }

    [Fact]
    public void OptimizerSteps_DoNotAllocate()
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(101);
        OptimizerGoldenTests.FillGradient(p.Gradients, 1);
        IOptimizer[] optimizers =
        [
            new Sgd(p, 1e-3f),
            new Sgd(p, 1e-3f, momentum: 0.9f, dampening: 0.1f, weightDecay: 1e-2f),
            new Sgd(p, 1e-3f, momentum: 0.9f, nesterov: true),
            new Adam(p),
            new Adam(p, weightDecay: 1e-2f, amsgrad: true),
            new AdamW(p),
            new AdamW(p, amsgrad: true),
        ];
        foreach (IOptimizer optimizer in optimizers)
        {
            AllocationAssert.None(optimizer.GetType().Name + ".Step", optimizer.Step);
            AllocationAssert.None(optimizer.GetType().Name + ".LearningRate", () => optimizer.LearningRate = 2e-3f);
        }
    }
}
