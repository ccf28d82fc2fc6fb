using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// Every scheduler against PyTorch 1.13's <c>torch.optim.lr_scheduler</c> on the cases of
/// <c>scripts/golden_schedules.py</c> (<c>Golden/schedules.json</c>): the float64 learning rate after
/// construction and after every step must equal PyTorch's bit for bit, and the optimizer must
/// see exactly that value cast to float.
/// </summary>
public sealed class ScheduleGoldenTests
{
    private static readonly GoldenFile s_golden = new("schedules.json");

    public static TheoryData<string> CaseNames() => s_golden.CaseNames();

    [Fact]
    public void GoldenFile_CoversEverySchedulerKind()
    {
        var kinds = new HashSet<string>();
        foreach (JsonElement c in s_golden.Root.GetProperty("cases").EnumerateArray())
        {
            kinds.Add(c.GetProperty("scheduler").GetProperty("kind").GetString()!);
        }

        Assert.Equal(["chained", "constant", "cosine", "cyclic", "exponential", "lambda", "linear", "multiplicative", "multistep", "onecycle", "plateau", "polynomial", "sequential", "step", "warm_restarts"], kinds.Order());
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void LearningRates_MatchPyTorch(string name)
    {
        JsonElement golden = s_golden.Case(name);
        double[] expected = [.. golden.GetProperty("lrs").EnumerateArray().Select(e => e.GetDouble())];
        double[]? momentums = golden.TryGetProperty("momentums", out JsonElement ms) ? [.. ms.EnumerateArray().Select(e => e.GetDouble())] : null;
        IOptimizer optimizer = golden.GetProperty("optimizer").GetString() switch
        {
            "adam" => new Adam(new ParameterSet([new ParameterTensor("p", 0, [1], fanIn: 1)]), 0.1f),
            "sgd_momentum" => new Sgd(new ParameterSet([new ParameterTensor("p", 0, [1], fanIn: 1)]), 0.1f, momentum: 0.9f),
            "rmsprop" => new RMSprop(new ParameterSet([new ParameterTensor("p", 0, [1], fanIn: 1)]), 0.1f),
            _ => NewOptimizer(),
        };
        JsonElement spec = golden.GetProperty("scheduler");
        ReduceLROnPlateau? plateau = null;
        ILearningRateScheduler? scheduler = null;
        double initial;
        if (spec.GetProperty("kind").GetString() == "plateau")
        {
            plateau = CreatePlateau(optimizer, spec.GetProperty("params"));
            initial = plateau.LastLearningRate;
        }
        else
        {
            scheduler = Create(optimizer, spec);
            initial = scheduler.LastLearningRate;
        }

        AssertLearningRate(expected[0], initial, optimizer, $"{name} after construction");
        AssertMomentum(momentums, 0, optimizer, name);
        double[] metrics = golden.TryGetProperty("metrics", out JsonElement m) ? [.. m.EnumerateArray().Select(e => e.GetDouble())] : [];
        for (int step = 1; step < expected.Length; step++)
        {
            optimizer.Step();
            double actual;
            if (plateau is not null)
            {
                plateau.Step(metrics[step - 1]);
                actual = plateau.LastLearningRate;
            }
            else
            {
                scheduler!.Step();
                actual = scheduler.LastLearningRate;
            }

            AssertLearningRate(expected[step], actual, optimizer, $"{name} step {step}");
            AssertMomentum(momentums, step, optimizer, name);
        }
    }

    internal static Sgd NewOptimizer() => new(new ParameterSet([new ParameterTensor("p", 0, [1], fanIn: 1)]), 0.1f);

    internal static ILearningRateScheduler Create(IOptimizer optimizer, JsonElement spec)
    {
        JsonElement p = spec.GetProperty("params");
        double D(string key, double fallback) => p.TryGetProperty(key, out JsonElement v) ? v.GetDouble() : fallback;
        int I(string key) => p.GetProperty(key).GetInt32();
        switch (spec.GetProperty("kind").GetString())
        {
            case "step":
                return new StepLR(optimizer, I("step_size"), D("gamma", 0.1));
            case "multistep":
                return new MultiStepLR(optimizer, [.. p.GetProperty("milestones").EnumerateArray().Select(e => e.GetInt32())], D("gamma", 0.1));
            case "exponential":
                return new ExponentialLR(optimizer, D("gamma", double.NaN));
            case "cosine":
                return new CosineAnnealingLR(optimizer, I("T_max"), D("eta_min", 0));
            case "linear":
                return new LinearLR(optimizer, D("start_factor", 1.0 / 3), D("end_factor", 1.0), I("total_iters"));
            case "onecycle":
                AnnealStrategy strategy = p.TryGetProperty("anneal_strategy", out JsonElement a) && a.GetString() == "linear" ? AnnealStrategy.Linear : AnnealStrategy.Cosine;
                bool threePhase = p.TryGetProperty("three_phase", out JsonElement t) && t.GetBoolean();
                bool cycleMomentum = p.TryGetProperty("cycle_momentum", out JsonElement cm) && cm.GetBoolean();
                return new OneCycleLR(
                    optimizer, D("max_lr", double.NaN), I("total_steps"), D("pct_start", 0.3), strategy, D("div_factor", 25), D("final_div_factor", 1e4), threePhase,
                    cycleMomentum, D("base_momentum", 0.85), D("max_momentum", 0.95));
            case "constant":
                return new ConstantLR(optimizer, D("factor", 1.0 / 3), p.TryGetProperty("total_iters", out JsonElement ci) ? ci.GetInt32() : 5);
            case "polynomial":
                return new PolynomialLR(optimizer, p.TryGetProperty("total_iters", out JsonElement pi) ? pi.GetInt32() : 5, D("power", 1));
            case "lambda":
                return new LambdaLR(optimizer, Lambda(p.GetProperty("fn").GetString()));
            case "multiplicative":
                return new MultiplicativeLR(optimizer, Lambda(p.GetProperty("fn").GetString()));
            case "cyclic":
                CyclicMode mode = (p.TryGetProperty("mode", out JsonElement md) ? md.GetString() : "triangular") switch
                {
                    "triangular2" => CyclicMode.Triangular2,
                    "exp_range" => CyclicMode.ExpRange,
                    _ => CyclicMode.Triangular,
                };
                return new CyclicLR(
                    optimizer, D("base_lr", double.NaN), D("max_lr", double.NaN), I("step_size_up"), p.TryGetProperty("step_size_down", out JsonElement down) ? down.GetInt32() : null,
                    mode, D("gamma", 1), p.GetProperty("cycle_momentum").GetBoolean(), D("base_momentum", 0.8), D("max_momentum", 0.9));
            case "warm_restarts":
                return new CosineAnnealingWarmRestarts(optimizer, I("T_0"), p.TryGetProperty("T_mult", out JsonElement mult) ? mult.GetInt32() : 1, D("eta_min", 0));
            case "sequential":
                LearningRateScheduler[] children = [.. p.GetProperty("schedulers").EnumerateArray().Select(c => (LearningRateScheduler)Create(optimizer, c))];
                return new SequentialLR(optimizer, children, [.. p.GetProperty("milestones").EnumerateArray().Select(e => e.GetInt32())]);
            case "chained":
                return new ChainedScheduler([.. p.GetProperty("schedulers").EnumerateArray().Select(c => Create(optimizer, c))]);
            default:
                throw new InvalidDataException(spec.GetProperty("kind").GetString());
        }
    }

    /// <summary>The <c>LAMBDAS</c> of <c>scripts/golden_schedules.py</c>, by name.</summary>
    private static Func<int, double> Lambda(string? name) => name switch
    {
        "pow095" => static epoch => Math.Pow(0.95, epoch),
        "warmup5" => static epoch => Math.Min(1.0, (epoch + 1) / 5.0),
        "halve_every_3" => static epoch => epoch % 3 == 0 ? 0.5 : 1.0,
        "inverse_sqrt" => static epoch => 1.0 / Math.Sqrt(epoch + 1),
        _ => throw new InvalidDataException($"Unknown lambda '{name}'."),
    };

    internal static ReduceLROnPlateau CreatePlateau(IOptimizer optimizer, JsonElement p) => new(
        optimizer,
        p.GetProperty("mode").GetString() == "max" ? PlateauMode.Max : PlateauMode.Min,
        p.GetProperty("factor").GetDouble(),
        p.GetProperty("patience").GetInt32(),
        p.GetProperty("threshold").GetDouble(),
        p.GetProperty("threshold_mode").GetString() == "abs" ? ThresholdMode.Absolute : ThresholdMode.Relative,
        p.TryGetProperty("cooldown", out JsonElement c) ? c.GetInt32() : 0,
        p.TryGetProperty("min_lr", out JsonElement min) ? min.GetDouble() : 0,
        p.TryGetProperty("eps", out JsonElement eps) ? eps.GetDouble() : 1e-8);

    internal static JsonElement Find(string name) => s_golden.Case(name);

    /// <summary>With <c>cycle_momentum</c>: the optimizer's momentum (SGD) or β₁ (Adam) is PyTorch's, rounded to float.</summary>
    private static void AssertMomentum(double[]? momentums, int step, IOptimizer optimizer, string name)
    {
        if (momentums is not null)
        {
            float actual = ((IMomentumOptimizer)optimizer).Momentum;
            Assert.True((float)momentums[step] == actual, $"{name} step {step}: momentum {actual:R}, expected (float){momentums[step]:R}.");
        }
    }

    private static void AssertLearningRate(double expected, double actual, IOptimizer optimizer, string what)
    {
        KernelReference.AssertClose(expected, actual, 0, what);
        Assert.True((float)expected == optimizer.LearningRate, $"{what}: the optimizer uses {optimizer.LearningRate:R}, expected (float){expected:R}.");
    }
}
