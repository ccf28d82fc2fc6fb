using System;
using System.Linq;
using System.Text.Json;
using StaticGrad.Runtime.Tests.Models.Differential;
using Xunit;

namespace StaticGrad.Runtime.Tests.Losses;

/// <summary>
/// PyTorch's <c>nn.Sequential(..., nn.Sigmoid())</c> + <c>nn.BCELoss</c> ported as generated models with
/// <c>[BinaryCrossEntropy]</c>, trained a few Adam steps from PyTorch's initial weights and compared with PyTorch 1.13
/// step by step (scripts/golden_bce.py, Golden/bce_models.json): a convolutional autoencoder reconstructing pixels in
/// [0, 1] (weighted mean), and a head whose Sigmoid saturates (weighted, reduction none), where the loss floors log 0 at
/// -100 and the gradient through the Sigmoid is not the logits form's.
/// </summary>
public sealed class BinaryCrossEntropyModelTests
{
    private static readonly GoldenFile Golden = new("bce_models.json");

    public static TheoryData<string> Cases() => Golden.CaseNames();

    [Theory]
    [MemberData(nameof(Cases))]
    public void AdamSteps_GivePyTorchsLossesAndParameters(string name)
    {
        JsonElement c = Golden.Case(name);
        IProbabilityTargetModel model = Create(name, c);
        float[] inputs = DifferentialCase.Floats(c.GetProperty("inputs"));
        float[] targets = DifferentialCase.Floats(c.GetProperty("targets"));
        int batch = c.GetProperty("batch").GetInt32();
        var adam = new Adam(model.Parameters, (float)c.GetProperty("lr").GetDouble());
        double[] expected = [.. c.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble())];
        for (int step = 0; step < expected.Length; step++)
        {
            float loss = model.TrainStep(inputs, targets, batch);
            Assert.True(Math.Abs(loss - expected[step]) <= 1e-6 * Math.Abs(expected[step]), $"{name} step {step + 1}: loss {loss:R}, PyTorch {expected[step]:R}");
            adam.Step();
        }

        foreach (JsonProperty parameter in c.GetProperty("parameters_after").EnumerateObject())
        {
            DifferentialCase.AssertClose(DifferentialCase.Floats(parameter.Value), model.Parameters.ValuesOf(model.Parameters[parameter.Name]).ToArray(), $"{name} {parameter.Name} after the steps");
        }

        // The evaluation path: Forward gives the Sigmoid's probabilities, EvaluateLoss PyTorch's criterion on them.
        float[] outputs = new float[batch * model.OutputSize];
        model.Forward(inputs, outputs, batch);
        DifferentialCase.AssertClose(DifferentialCase.Floats(c.GetProperty("outputs_after")), outputs, $"{name} outputs after the steps");
        double final = c.GetProperty("final_loss").GetDouble();
        float evaluated = model.EvaluateLoss(outputs, targets, batch);
        Assert.True(Math.Abs(evaluated - final) <= 1e-5 * Math.Abs(final), $"{name}: EvaluateLoss {evaluated:R}, PyTorch {final:R}");
    }

    [Fact]
    public void TheSaturatedHead_IsNotTrainedAsTheLogitsForm()
    {
        // Output 0 has p = 1 exactly: BCE floors log(1 - p) at -100 and the Sigmoid's derivative p(1 - p) = 0 stops the
        // gradient, where BCE with logits would give its bias the gradient p - y = 1 for a target 0.
        JsonElement c = Golden.Case(nameof(BceSaturatedHead));
        var model = (BceSaturatedHead)Create(nameof(BceSaturatedHead), c);
        float[] inputs = DifferentialCase.Floats(c.GetProperty("inputs"));
        float[] targets = DifferentialCase.Floats(c.GetProperty("targets"));
        float[] losses = new float[4 * 3];
        model.TrainStep(inputs, targets, losses, 4);

        Assert.Equal(100f * model.Loss.Weights[0], losses[0]);
        Assert.Equal(0f, model.Parameters.GradientsOf(model.Parameters["head.bias"])[0]);
        Assert.Equal([1f, 2.5f, 0.5f], model.Loss.Weights.ToArray());
        Assert.Equal(Reduction.None, model.LossReduction);
    }

    [Fact]
    public void TheAutoencoder_DeclaresPyTorchsWeights_AndItsTrainerEvaluatesWithTheModelsLoss()
    {
        JsonElement c = Golden.Case(nameof(BceAutoencoder));
        var model = (BceAutoencoder)Create(nameof(BceAutoencoder), c);
        Assert.Equal(DifferentialCase.Floats(c.GetProperty("weights")), model.Loss.Weights.ToArray());
        Assert.Equal("BCELoss()", model.Loss.ToString());

        float[] inputs = DifferentialCase.Floats(c.GetProperty("inputs"));
        float[] outputs = new float[6 * 16];
        model.Forward(inputs, outputs, 6);
        Assert.All(outputs, p => Assert.InRange(p, 0f, 1f));
        float[] probabilities = new float[6 * 16];
        model.Predict(inputs, probabilities, 6);
        Assert.Equal(outputs, probabilities);
    }

    private static IProbabilityTargetModel Create(string name, JsonElement c)
    {
        IProbabilityTargetModel model = name switch
        {
            nameof(BceAutoencoder) => new BceAutoencoder(seed: 3, maxBatch: 8),
            nameof(BceSaturatedHead) => new BceSaturatedHead(seed: 3, maxBatch: 8),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
        foreach (JsonProperty parameter in c.GetProperty("parameters").EnumerateObject())
        {
            float[] values = DifferentialCase.Floats(parameter.Value);
            Span<float> destination = model.Parameters.ValuesOf(model.Parameters[parameter.Name]);
            Assert.Equal(values.Length, destination.Length);
            values.CopyTo(destination);
        }

        Assert.Equal(c.GetProperty("parameters").EnumerateObject().Count(), model.Parameters.Tensors.Count);
        return model;
    }
}

/// <summary>scripts/golden_bce.py's <c>BceAutoencoder</c>: a decoder reconstructing 4 x 4 pixels in [0, 1], PyTorch's BCELoss(weight).</summary>
[Model(Channels = 1, Height = 4, Width = 4)]
public partial class BceAutoencoder
{
    [Conv2d(3, 3, Padding = 1), ReLU] public partial Conv2d Encoder { get; }

    [Flatten] public partial Flatten Flat { get; }

    [Linear(16), Sigmoid] public partial Linear Decoder { get; }

    [BinaryCrossEntropy(Weights = new[] { 0.5f, 1f, 1f, 0.5f, 1f, 2f, 2f, 1f, 1f, 2f, 2f, 1f, 0.5f, 1f, 1f, 0.5f })]
    public partial BinaryCrossEntropyLoss Loss { get; }
}

/// <summary>scripts/golden_bce.py's <c>BceSaturatedHead</c>: nn.Sigmoid() as its own member, BCELoss(weight, reduction='none').</summary>
[Model(Inputs = 5)]
public partial class BceSaturatedHead
{
    [Linear(8), Tanh] public partial Linear Hidden { get; }

    [Linear(3)] public partial Linear Head { get; }

    [Sigmoid] public partial ActivationLayer Probabilities { get; }

    [BinaryCrossEntropy(Weights = new[] { 1f, 2.5f, 0.5f }, Reduction = Reduction.None)]
    public partial BinaryCrossEntropyLoss Loss { get; }
}
