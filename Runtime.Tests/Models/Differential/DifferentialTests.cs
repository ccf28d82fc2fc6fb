using System.Text.Json;
using Xunit;
using static StaticGrad.Runtime.Tests.Models.Differential.DifferentialCase;

namespace StaticGrad.Runtime.Tests.Models.Differential;

/// <summary>
/// Random architectures drawn from the whole op vocabulary (scripts/golden_differential.py), compiled by the generator
/// and compared with PyTorch 1.13: with PyTorch's weights loaded by <c>state_dict</c> name, one TrainStep must give
/// PyTorch's loss, every parameter's gradient and every buffer (batch norm running statistics), and Forward (eval
/// mode) PyTorch's eval-mode outputs.
/// </summary>
public sealed class DifferentialTests
{
    private static readonly GoldenFile Golden = new("differential.json");

    public static TheoryData<string> Cases() => Golden.CaseNames();

    [Theory]
    [MemberData(nameof(Cases))]
    public void LossGradientsAndOutputsMatchPyTorch(string name)
    {
        JsonElement c = Golden.Case(name);
        int batch = c.GetProperty("batch").GetInt32();
        IInferenceModel model = CreateWithPyTorchState(name, c);
        float[] outputs = new float[batch * model.OutputSize];
        model.Forward(Floats(c.GetProperty("inputs")), outputs, batch);
        AssertClose(Floats(c.GetProperty("outputs")), outputs, $"{name} outputs");

        float loss = TrainStep(model, c, name);
        Assert.Equal(c.GetProperty("loss").GetDouble(), loss, LossTolerance(c.GetProperty("loss").GetDouble()));

        // A gradient that is zero in exact arithmetic (a Linear bias right before a batch norm, which subtracts the
        // batch mean) is float rounding noise on both sides, as large as the model's largest gradient allows: the
        // absolute tolerance scales with that.
        double gradientAbsolute = GradientAbsolute(c);
        foreach (JsonProperty gradient in c.GetProperty("gradients").EnumerateObject())
        {
            AssertClose(Floats(gradient.Value), model.Parameters.GradientsOf(model.Parameters[gradient.Name]).ToArray(), $"{name} {gradient.Name} gradient", gradientAbsolute);
        }

        AssertBuffers(model, c, name);
    }
}
