using System;
using System.Globalization;
using StaticGrad.Kernels;

namespace StaticGrad.Benchmarks;

/// <summary>Times each kernel call of one 784-H-10 training step separately, with 1 and with all threads.</summary>
public static class Breakdown
{
    /// <summary>Prints one line per kernel call.</summary>
    public static int Run(string[] args)
    {
        int hidden = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 128;
        int batch = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
        const int Inputs = 784, Classes = 10;
        (float[] x, int[] labels) = Steps.Data(batch);
        var rng = new Rng(3);
        float[] w1 = Random(rng, hidden * Inputs), b1 = Random(rng, hidden), w2 = Random(rng, Classes * hidden), b2 = Random(rng, Classes);
        float[] h = new float[batch * hidden], logits = new float[batch * Classes], dh = new float[batch * hidden];
        float[] gw1 = new float[hidden * Inputs], gb1 = new float[hidden], gw2 = new float[Classes * hidden], gb2 = new float[Classes];
        var parameters = new ParameterSet([new ParameterTensor("w", 0, [hidden, Inputs], Inputs), new ParameterTensor("b", hidden * Inputs, [hidden], Inputs)]);
        var adam = new Adam(parameters);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"784-{hidden}-10, batch {batch}: µs per call (median), 1 thread / {Parallelism.MaxThreads} threads; load {Compare.LoadAverage()}"));
        Report("fc1 forward  LinearForward 784->H ReLU", () => LinearForward.Run(x, w1, b1, h, batch, Inputs, hidden, Activation.ReLU));
        Report("fc2 forward  LinearForward H->10", () => LinearForward.Run(h, w2, b2, logits, batch, hidden, Classes, Activation.None));
        Report("loss         SoftmaxCrossEntropy", () => SoftmaxCrossEntropy.ForwardBackward(logits, labels, batch, Classes, 0f, Reduction.Mean));
        Report("fc2 bias     ApplyAndReduceBias None", () => ActivationBackward.ApplyAndReduceBias(logits, logits, gb2, batch, Classes, Activation.None));
        Report("fc2 weight   Gemm.MultiplyTransposeA 10xBxH", () => Gemm.MultiplyTransposeA(logits, h, gw2, Classes, batch, hidden));
        Report("fc1 dOut     Gemm.Multiply Bx10xH", () => Gemm.Multiply(logits, w2, dh, batch, Classes, hidden));
        Report("fc1 bias     ApplyAndReduceBias ReLU", () => ActivationBackward.ApplyAndReduceBias(dh, h, gb1, batch, hidden, Activation.ReLU));
        Report("fc1 weight   Gemm.MultiplyTransposeA HxBx784", () => Gemm.MultiplyTransposeA(dh, x, gw1, hidden, batch, Inputs));
        Report("Adam step    (fc1 parameters)", adam.Step);
        return 0;
    }

    private static float[] Random(Rng rng, int length)
    {
        float[] values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = rng.NextSingle(-0.1f, 0.1f);
        }

        return values;
    }

    private static void Report(string what, Action action)
    {
        int saved = Parallelism.MaxThreads;
        Parallelism.MaxThreads = 1;
        var step = new ActionStep(action);
        (double one, _) = Timing.Measure(ref step, repeats: 5, runSeconds: 0.05, warmupSeconds: 0.1);
        Parallelism.MaxThreads = saved;
        (double all, _) = Timing.Measure(ref step, repeats: 5, runSeconds: 0.05, warmupSeconds: 0.1);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {what,-45} {one,9:F2} {all,9:F2}"));
    }

    private readonly struct ActionStep(Action action) : ITimedStep
    {
        public void Run() => action();
    }
}
