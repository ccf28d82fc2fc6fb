using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Xunit;

namespace StaticGrad.Runtime.Tests.Checkpoints;

public sealed class OptimizerStateTests
{
    private const int Length = 53;

    public static TheoryData<string> Optimizers => new() { "sgd", "sgd-momentum", "sgd-nesterov", "adam", "adam-amsgrad", "adamw" };

    internal static IStatefulOptimizer Create(string kind, ParameterSet p) => kind switch
    {
        "sgd" => new Sgd(p, 0.1f),
        "sgd-momentum" => new Sgd(p, 0.1f, momentum: 0.9f, dampening: 0.1f, weightDecay: 1e-4f),
        "sgd-nesterov" => new Sgd(p, 0.05f, momentum: 0.8f, nesterov: true),
        "adam" => new Adam(p, 1e-3f, weightDecay: 1e-4f),
        "adam-amsgrad" => new Adam(p, 2e-3f, beta1: 0.8f, beta2: 0.99f, epsilon: 1e-6f, amsgrad: true),
        "adamw" => new AdamW(p, 1e-3f, weightDecay: 0.05f, amsgrad: true),
        _ => throw new ArgumentException(kind),
    };

    internal static ParameterSet Parameters(float salt)
    {
        var p = new ParameterSet(new[] { new ParameterTensor("w", 0, new[] { Length - 3 }, 7), new ParameterTensor("b", Length - 3, new[] { 3 }, 7) });
        for (int i = 0; i < Length; i++)
        {
            p.Values[i] = MathF.Sin((i * 0.37f) + salt);
        }

        return p;
    }

    private static void Gradients(ParameterSet p, int step)
    {
        for (int i = 0; i < Length; i++)
        {
            p.Gradients[i] = MathF.Cos((i * 1.3f) + (step * 0.7f)) * (1 + (i % 5));
        }
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void ExportImport_ContinuesBitIdentically(string kind)
    {
        ParameterSet reference = Parameters(0.5f);
        IStatefulOptimizer uninterrupted = Create(kind, reference);
        ParameterSet resumed = Parameters(0.5f);
        IStatefulOptimizer first = Create(kind, resumed);
        for (int step = 0; step < 3; step++)
        {
            Gradients(reference, step);
            uninterrupted.Step();
            Gradients(resumed, step);
            first.Step();
        }

        OptimizerState state = first.ExportState();
        ParameterSet copy = Parameters(9f);
        resumed.Values.CopyTo(copy.Values);
        IStatefulOptimizer second = Create(kind, copy);
        second.LearningRate = 0.5f; // importing restores the saved learning rate
        second.ImportState(state);
        Assert.Equal(3, second.StepCount);
        Assert.Equal(uninterrupted.LearningRate, second.LearningRate);
        for (int step = 3; step < 6; step++)
        {
            Gradients(reference, step);
            uninterrupted.Step();
            Gradients(copy, step);
            second.Step();
        }

        Assert.Equal(Bits(reference.Values), Bits(copy.Values));
        OptimizerState a = uninterrupted.ExportState();
        OptimizerState b = second.ExportState();
        Assert.Equal(a.Buffers.Select(x => x.Key), b.Buffers.Select(x => x.Key));
        for (int i = 0; i < a.Buffers.Count; i++)
        {
            Assert.Equal(Bits(a.Buffers[i].Value), Bits(b.Buffers[i].Value));
        }
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void CreateOptimizer_RebuildsTheSameKindAndHyperparameters(string kind)
    {
        ParameterSet p = Parameters(1f);
        OptimizerState state = Create(kind, p).ExportState();

        IStatefulOptimizer rebuilt = state.CreateOptimizer(Parameters(2f));

        Assert.Equal(Create(kind, p).GetType(), rebuilt.GetType());
        Assert.Equal(state.Settings, rebuilt.ExportState().Settings);
        Assert.Equal(state.LearningRate, rebuilt.LearningRate);
        rebuilt.ImportState(state);
    }

    [Fact]
    public void ExportState_NamesFollowPyTorch()
    {
        ParameterSet p = Parameters(0f);
        Assert.Equal(new[] { "momentum_buffer" }, Create("sgd-momentum", p).ExportState().Buffers.Select(b => b.Key));
        Assert.Empty(Create("sgd", p).ExportState().Buffers);
        Assert.Equal(new[] { "exp_avg", "exp_avg_sq", "max_exp_avg_sq" }, Create("adam-amsgrad", p).ExportState().Buffers.Select(b => b.Key));
        Assert.Equal(
            new[] { "momentum=0.9", "dampening=0.1", "nesterov=false", "weight_decay=0.0001" },
            Create("sgd-momentum", p).ExportState().Settings.Select(s => $"{s.Key}={s.Value}"));
        Assert.Equal(
            new[] { "beta1=0.8", "beta2=0.99", "eps=1E-06", "weight_decay=0", "amsgrad=true" },
            Create("adam-amsgrad", p).ExportState().Settings.Select(s => $"{s.Key}={s.Value}"));
    }

    [Fact]
    public void ImportState_TakesTheMomentumFromTheState_AsPyTorchsLoadStateDictDoes()
    {
        // A one-cycle schedule moves SGD's momentum and Adam's beta1 during a run; a resumed optimizer continues with
        // the saved value (PyTorch's load_state_dict replaces the group's hyperparameters).
        var adam = new Adam(Parameters(0f));
        adam.ImportState(new Adam(Parameters(0f), beta1: 0.87f).ExportState());
        Assert.Equal(0.87f, adam.Beta1);

        var sgd = new Sgd(Parameters(0f), 0.1f, momentum: 0.9f);
        sgd.ImportState(new Sgd(Parameters(0f), 0.1f, momentum: 0.93f).ExportState());
        Assert.Equal(0.93f, sgd.Momentum);

        // Momentum or none is still structural (the momentum buffer): refused.
        var plain = new Sgd(Parameters(0f), 0.1f);
        Assert.Throws<ArgumentException>(() => plain.ImportState(new Sgd(Parameters(0f), 0.1f, momentum: 0.9f).ExportState()));
        Assert.Equal(0f, plain.Momentum);
    }

    [Fact]
    public void ImportState_RefusesMismatches_AndChangesNothing()
    {
        ParameterSet p = Parameters(0f);
        var adam = new Adam(p, amsgrad: true);
        Gradients(p, 0);
        adam.Step();
        OptimizerState before = adam.ExportState();

        OptimizerState sgd = new Sgd(Parameters(0f), 0.1f, momentum: 0.9f).ExportState();
        Assert.Contains("'sgd' optimizer; this optimizer is Adam", Assert.Throws<ArgumentException>(() => adam.ImportState(sgd)).Message);
        OptimizerState adamW = new AdamW(Parameters(0f), amsgrad: true).ExportState();
        Assert.Contains("'adamw'", Assert.Throws<ArgumentException>(() => adam.ImportState(adamW)).Message);
        OptimizerState otherBeta2 = new Adam(Parameters(0f), beta2: 0.5f, amsgrad: true).ExportState();
        Assert.Contains("beta2 = 0.5; this optimizer has beta2 = 0.999", Assert.Throws<ArgumentException>(() => adam.ImportState(otherBeta2)).Message);
        OptimizerState noAmsgrad = new Adam(Parameters(0f)).ExportState();
        Assert.Contains("amsgrad = false", Assert.Throws<ArgumentException>(() => adam.ImportState(noAmsgrad)).Message);
        var shortBuffers = new OptimizerState("adam", 5, 1e-3f, before.Settings, before.Buffers.Select(b => new KeyValuePair<string, float[]>(b.Key, new float[Length - 1])));
        Assert.Contains("'exp_avg' buffer holds 52 values; this optimizer's parameters hold 53", Assert.Throws<ArgumentException>(() => adam.ImportState(shortBuffers)).Message);
        var extraBuffer = new OptimizerState("adam", 5, 1e-3f, before.Settings, before.Buffers.Append(new("momentum_buffer", new float[Length])));
        Assert.Contains("unexpected buffer 'momentum_buffer'", Assert.Throws<ArgumentException>(() => adam.ImportState(extraBuffer)).Message);
        var extraSetting = new OptimizerState("adam", 5, 1e-3f, before.Settings.Append(new("foreach", "true")), before.Buffers);
        Assert.Contains("unknown setting 'foreach'", Assert.Throws<ArgumentException>(() => adam.ImportState(extraSetting)).Message);

        OptimizerState after = adam.ExportState();
        Assert.Equal(1, adam.StepCount);
        for (int i = 0; i < before.Buffers.Count; i++)
        {
            Assert.Equal(Bits(before.Buffers[i].Value), Bits(after.Buffers[i].Value));
        }
    }

    [Fact]
    public void CreateOptimizer_RefusesBadSettings_AsInvalidData()
    {
        var settings = new[] { new KeyValuePair<string, string>("momentum", "fast") };
        var state = new OptimizerState("sgd", 0, 0.1f, settings, []);
        Assert.Contains("'momentum' setting is 'fast'", Assert.Throws<InvalidDataException>(() => state.CreateOptimizer(Parameters(0f))).Message);
        var lion = new OptimizerState("lion", 0, 0.1f, [], []);
        Assert.Contains("Unknown optimizer algorithm 'lion'; expected sgd, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam or radam", Assert.Throws<InvalidDataException>(() => lion.CreateOptimizer(Parameters(0f))).Message);
        var rmsprop = new OptimizerState("rmsprop", 0, 0.1f, [], []);
        Assert.Contains("rmsprop optimizer state has no 'alpha' setting", Assert.Throws<InvalidDataException>(() => rmsprop.CreateOptimizer(Parameters(0f))).Message);
        var badAlpha = new OptimizerState("rmsprop", 0, 0.1f, new RMSprop(Parameters(0f)).ExportState().Settings.Select(s => s.Key == "alpha" ? new KeyValuePair<string, string>("alpha", "-1") : s), []);
        Assert.Contains("alpha", Assert.Throws<InvalidDataException>(() => badAlpha.CreateOptimizer(Parameters(0f))).Message);
        var badBeta = new OptimizerState("adam", 0, 0.1f, new Adam(Parameters(0f)).ExportState().Settings.Select(s => s.Key == "beta1" ? new KeyValuePair<string, string>("beta1", "1.5") : s), []);
        Assert.Contains("beta1", Assert.Throws<InvalidDataException>(() => badBeta.CreateOptimizer(Parameters(0f))).Message);
        var badRho = new OptimizerState("adadelta", 0, 1f, new Adadelta(Parameters(0f)).ExportState().Settings.Select(s => s.Key == "rho" ? new KeyValuePair<string, string>("rho", "1.5") : s), []);
        Assert.Contains("rho", Assert.Throws<InvalidDataException>(() => badRho.CreateOptimizer(Parameters(0f))).Message);
        var nadam = new OptimizerState("nadam", 0, 0.1f, new NAdam(Parameters(0f)).ExportState().Settings.Where(s => s.Key != "momentum_decay"), []);
        Assert.Contains("nadam optimizer state has no 'momentum_decay' setting", Assert.Throws<InvalidDataException>(() => nadam.CreateOptimizer(Parameters(0f))).Message);
    }

    private static byte[] Bits(ReadOnlySpan<float> values) => MemoryMarshal.AsBytes(values).ToArray();
}
