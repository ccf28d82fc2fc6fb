using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// Our optimizers against PyTorch 1.13 on the closed-form problem of <c>scripts/golden_optimizers.py</c>
/// (<c>Golden/optimizers.json</c>): the same inputs are rebuilt here from the same formulas. Every step's parameters
/// must have PyTorch's bits: each update rounds where PyTorch's CPU kernels do.
/// </summary>
public sealed class OptimizerGoldenTests
{
    private static readonly GoldenFile s_golden = new("optimizers.json");

    public static TheoryData<string> CaseNames() => s_golden.CaseNames();

    [Fact]
    public void GoldenFile_CoversEveryOptimizerVariant()
    {
        Assert.Equal(
            [
                "sgd_plain", "sgd_momentum_dampening_wd", "sgd_nesterov_wd", "adam_default", "adam_wd_amsgrad", "adamw_wd",
                "adam_long", "adam_long_wd_amsgrad", "adamw_long_amsgrad", "adam_long_one_cycle", "adamw_long_step_lr",
                "sgd_long_momentum_dampening_wd", "sgd_long_dampening_one", "sgd_long_nesterov_wd", "sgd_long_wd_without_momentum",
                "sgd_long_momentum_one", "sgd_long_step_lr", "adam_long_beta1_zero", "adam_long_eps_zero_amsgrad",
                "adamw_long_amsgrad_big_decay_step_lr",
            ],
            CaseNames());
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Steps_MatchPyTorch(string name)
    {
        JsonElement root = s_golden.Root;
        JsonElement golden = s_golden.Case(name);
        int length = (golden.TryGetProperty("length", out JsonElement own) ? own : root.GetProperty("length")).GetInt32();
        int steps = (golden.TryGetProperty("steps", out own) ? own : root.GetProperty("steps")).GetInt32();

        ParameterSet parameters = CreateParameters(length);
        IOptimizer optimizer = Create(golden, parameters);
        LearningRateScheduler? schedule = CreateSchedule(golden, optimizer);
        JsonElement expected = golden.GetProperty("expected");
        Assert.Equal(steps, expected.GetArrayLength());
        for (int step = 1; step <= steps; step++)
        {
            FillGradient(parameters.Gradients, step);
            optimizer.Step();
            schedule?.Step();
            Assert.Equal(step, optimizer.StepCount);

            JsonElement row = expected[step - 1];
            Assert.Equal(length, row.GetArrayLength());
            for (int j = 0; j < length; j++)
            {
                float want = (float)row[j].GetDouble();
                Assert.True(
                    BitConverter.SingleToInt32Bits(want) == BitConverter.SingleToInt32Bits(parameters.Values[j]),
                    $"{name} step {step} parameter[{j}]: {parameters.Values[j]:R}, PyTorch {want:R}");
            }
        }
    }

    /// <summary><c>p0[j] = float32(0.8·sin(0.37j + 0.11))</c>, as in the script.</summary>
    internal static ParameterSet CreateParameters(int length)
    {
        var parameters = new ParameterSet([new ParameterTensor("p", 0, [length], fanIn: 1)]);
        for (int j = 0; j < length; j++)
        {
            parameters.Values[j] = (float)(0.8 * Math.Sin((0.37 * j) + 0.11));
        }

        return parameters;
    }

    /// <summary><c>g_s[j] = float32((1.5 - 0.25s)·10^-(2(j%3))·sin(0.61j + 1.3s + 0.2))</c>, as in the script.</summary>
    internal static void FillGradient(Span<float> gradient, int step)
    {
        ReadOnlySpan<double> scales = [1.0, 1e-2, 1e-4];
        for (int j = 0; j < gradient.Length; j++)
        {
            gradient[j] = (float)((1.5 - (0.25 * step)) * scales[j % 3] * Math.Sin((0.61 * j) + (1.3 * step) + 0.2));
        }
    }

    /// <summary>
    /// The case's <c>OneCycleLR(max_lr, total_steps)</c> (which also cycles β₁) or <c>StepLR(step_size, gamma)</c>, or null:
    /// the rates and β₁ they set are float64 values that Adam's step size and first-moment weight use as PyTorch's do.
    /// </summary>
    private static LearningRateScheduler? CreateSchedule(JsonElement golden, IOptimizer optimizer)
    {
        if (golden.TryGetProperty("one_cycle", out JsonElement c))
        {
            return new OneCycleLR(optimizer, c.GetProperty("max_lr").GetDouble(), c.GetProperty("total_steps").GetInt32());
        }

        return golden.TryGetProperty("step_lr", out JsonElement s)
            ? new StepLR(optimizer, s.GetProperty("step_size").GetInt32(), s.GetProperty("gamma").GetDouble())
            : null;
    }

    /// <summary>The optimizer of a golden case, from its <c>optimizer</c> and PyTorch-named <c>hyperparameters</c>.</summary>
    internal static IOptimizer Create(JsonElement golden, ParameterSet parameters)
    {
        JsonElement h = golden.GetProperty("hyperparameters");
        float F(string key) => (float)h.GetProperty(key).GetDouble();
        switch (golden.GetProperty("optimizer").GetString())
        {
            case "sgd":
                return new Sgd(parameters, F("lr"), F("momentum"), F("dampening"), h.GetProperty("nesterov").GetBoolean(), F("weight_decay"));
            case "adam":
            case "adamw":
                JsonElement betas = h.GetProperty("betas");
                float beta1 = (float)betas[0].GetDouble(), beta2 = (float)betas[1].GetDouble();
                bool amsgrad = h.GetProperty("amsgrad").GetBoolean();
                return golden.GetProperty("optimizer").GetString() == "adam"
                    ? new Adam(parameters, F("lr"), beta1, beta2, F("eps"), F("weight_decay"), amsgrad)
                    : new AdamW(parameters, F("lr"), beta1, beta2, F("eps"), F("weight_decay"), amsgrad);
            default:
                throw new InvalidDataException(golden.GetProperty("optimizer").GetString());
        }
    }
}
