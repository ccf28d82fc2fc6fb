using System;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The backward pass of a linear layer as the generated code composes it — activation derivative and bias
/// reduction, then the weight gradient <c>dZᵀ·X</c> and input gradient <c>dZ·W</c> (<see cref="LinearBackward.Run"/>) —
/// against finite differences of the layer's forward in double.
/// </summary>
public sealed class LinearBackwardGradientTests
{
    [Theory]
    [InlineData(Activation.Tanh, 7, 33, 5)]
    [InlineData(Activation.Sigmoid, 3, 1, 129)]
    [InlineData(Activation.None, 1, 7, 1)]
    [InlineData(Activation.Tanh, 5, 785, 3)]
    public void Gradients_MatchFiniteDifferences(Activation activation, int batch, int inputs, int outputs)
    {
        float[] x = KernelReference.Random(batch * inputs, seed: 31);
        float[] w = KernelReference.Random(outputs * inputs, seed: 32);
        float[] b = KernelReference.Random(outputs, seed: 33);
        float[] r = KernelReference.Random(batch * outputs, seed: 34); // L = Σ r ⊙ Y, so dL/dY = r
        double Loss()
        {
            double[] y = KernelReference.Linear(x, w, b, batch, inputs, outputs, activation);
            double sum = 0;
            for (int i = 0; i < y.Length; i++)
            {
                sum += r[i] * y[i];
            }

            return sum;
        }

        float[] output = new float[batch * outputs];
        LinearForward.Run(x, w, b, output, batch, inputs, outputs, activation);
        float[] gradient = (float[])r.Clone();
        float[] biasGradient = new float[outputs];
        float[] weightGradient = new float[outputs * inputs];
        float[] inputGradient = new float[batch * inputs];
        ActivationBackward.ApplyAndReduceBias(gradient, output, biasGradient, batch, outputs, activation);
        LinearBackward.Run(gradient, x, w, weightGradient, inputGradient, batch, inputs, outputs);

        GradientCheck.AssertGradientMatches(Loss, w, weightGradient, "weight", relativeTolerance: 1e-4, absoluteTolerance: 1e-5);
        GradientCheck.AssertGradientMatches(Loss, b, biasGradient, "bias", relativeTolerance: 1e-4, absoluteTolerance: 1e-5);
        GradientCheck.AssertGradientMatches(Loss, x, inputGradient, "input", relativeTolerance: 1e-4, absoluteTolerance: 1e-5);
    }

    [Fact]
    public void GradientCheck_DetectsAWrongGradient()
    {
        float[] x = KernelReference.Random(12, seed: 41);
        double Loss()
        {
            double sum = 0;
            foreach (float v in x)
            {
                sum += (double)v * v;
            }

            return sum;
        }

        float[] gradient = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            gradient[i] = 2 * x[i];
        }

        GradientCheck.AssertGradientMatches(Loss, x, gradient, "x");
        gradient[5] *= 1.01f;
        Assert.ThrowsAny<Exception>(() => GradientCheck.AssertGradientMatches(Loss, x, gradient, "x"));
    }
}
