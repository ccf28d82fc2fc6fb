using System.Linq;
using StaticGrad.Generator.Graph;
using StaticGrad.Generator.Helpers;
using StaticGrad.Generator.Model;
using Xunit;

namespace StaticGrad.Generator.Tests;

/// <summary>The compiler phases as pure functions: shape inference, schedule, memory plan, names.</summary>
public sealed class PlannerTests
{
    private static ModelSpec Spec(int inputs, params (int Outputs, ActivationKind Activation)[] layers)
        => new(
            "N",
            "M",
            "public",
            inputs,
            layers.Select((l, i) => new LayerSpec($"Layer{i + 1}", $"layer{i + 1}", "public", l.Outputs, l.Activation)).ToEquatableArray(),
            new LossSpec("Loss", "public", LossKind.SoftmaxCrossEntropy, 0f, ReductionKind.Mean, LossSpec.DefaultIgnoreIndex, TargetsKind.ClassIndices, default, default));

    [Fact]
    public void InfersShapesAndLaysOutParametersInStateDictOrder()
    {
        ModelGraph graph = GraphBuilder.Build(Spec(784, (128, ActivationKind.ReLU), (10, ActivationKind.None)));

        Assert.Equal(new[] { 784, 128 }, graph.Layers.Select(l => l.Inputs));
        Assert.Equal(new[] { 0, 100480 }, graph.Layers.Select(l => l.WeightOffset));
        Assert.Equal(new[] { 100352, 101760 }, graph.Layers.Select(l => l.BiasOffset));
        Assert.Equal(101770, graph.ParameterCount);
    }

    [Fact]
    public void FirstLayerComputesNoInputGradient()
    {
        Schedule schedule = Schedule.ForTraining(GraphBuilder.Build(Spec(5, (4, ActivationKind.ReLU), (3, ActivationKind.None))));

        Step firstBackward = schedule.Steps.Last();
        Assert.Equal(StepKind.LinearBackward, firstBackward.Kind);
        Assert.Equal(0, firstBackward.Layer);
        Assert.Equal(new[] { "layer1OutputGradient" }, firstBackward.Writes);
        Assert.DoesNotContain(schedule.Buffers, b => b.Name.Contains("inputs", System.StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new[] { 128, 10 })]
    [InlineData(new[] { 256, 128, 10 })]
    [InlineData(new[] { 300, 20, 300, 7, 10 })]
    public void BuffersThatAreLiveTogetherNeverOverlap(int[] widths)
    {
        MemoryPlan plan = MemoryPlanner.Plan(Schedule.ForTraining(GraphBuilder.Build(Spec(784, widths.Select(w => (w, ActivationKind.ReLU)).ToArray()))));

        foreach (PlacedBuffer a in plan.Buffers)
        {
            Assert.True(a.Offset + a.Buffer.FloatsPerSample <= plan.FloatsPerSample);
            foreach (PlacedBuffer b in plan.Buffers.Where(b => b != a))
            {
                bool liveTogether = a.FirstStep <= b.LastStep && b.FirstStep <= a.LastStep;
                bool overlap = a.Offset < b.Offset + b.Buffer.FloatsPerSample && b.Offset < a.Offset + a.Buffer.FloatsPerSample;
                Assert.False(liveTogether && overlap, $"{a.Buffer.Name} and {b.Buffer.Name} are live together and overlap");
            }
        }
    }

    [Fact]
    public void DeadBuffersAreReused()
    {
        MemoryPlan plan = MemoryPlanner.Plan(Schedule.ForTraining(GraphBuilder.Build(Spec(784, (256, ActivationKind.ReLU), (128, ActivationKind.ReLU), (10, ActivationKind.None)))));

        int unshared = plan.Buffers.Sum(b => b.Buffer.FloatsPerSample);
        Assert.True(plan.FloatsPerSample < unshared, $"{plan.FloatsPerSample} floats per sample, {unshared} without reuse");
        Assert.Equal(plan["layer1OutputGradient"].Offset, plan["logits"].Offset);
    }

    [Fact]
    public void InferenceOnlyModelsScheduleOnlyTheForwardPass()
    {
        ModelSpec spec = Spec(784, (64, ActivationKind.ReLU), (10, ActivationKind.Softmax)) with { Loss = null };

        ModelPlan plan = ModelPlan.Create(spec);

        Assert.Null(plan.Training);
        Assert.Null(plan.Memory);
        Assert.All(plan.Inference.Steps, step => Assert.Equal(StepKind.LinearForward, step.Kind));
        Assert.Equal(new[] { "layer1Output" }, plan.Inference.Buffers.Select(b => b.Name));
        Assert.Equal(new[] { "outputs" }, plan.Inference.Steps.Last().Writes);
        Assert.Equal(64, plan.InferenceMemory.FloatsPerSample);
    }

    [Fact]
    public void InferenceHasItsOwnArenaOfHiddenOutputsAlone()
    {
        ModelSpec spec = Spec(784, (256, ActivationKind.ReLU), (128, ActivationKind.Tanh), (64, ActivationKind.ReLU), (10, ActivationKind.None));

        ModelPlan plan = ModelPlan.Create(spec);

        Assert.Equal(new[] { "layer1Output", "layer2Output", "layer3Output" }, plan.InferenceMemory.Buffers.Select(b => b.Buffer.Name));
        Assert.Equal(new[] { "logits" }, plan.Inference.Steps.Last().Writes);
        // layer1Output is dead once layer2 has read it, so layer3Output reuses its space: 256 + 128, not 448.
        Assert.Equal(384, plan.InferenceMemory.FloatsPerSample);
        Assert.True(plan.InferenceMemory.FloatsPerSample < plan.Memory!.FloatsPerSample);
    }

    [Fact]
    public void EveryLossKindGetsTheSameFusedLossStep()
    {
        foreach (LossKind kind in new[] { LossKind.SoftmaxCrossEntropy, LossKind.Nll, LossKind.BinaryCrossEntropyWithLogits })
        {
            ModelSpec spec = Spec(5, (4, ActivationKind.ReLU), (3, kind == LossKind.Nll ? ActivationKind.LogSoftmax : ActivationKind.None));
            spec = spec with { Loss = spec.Loss! with { Kind = kind } };

            Schedule schedule = ModelPlan.Create(spec).Training!;

            Step loss = Assert.Single(schedule.Steps, s => s.Kind == StepKind.Loss);
            Assert.Equal(new[] { "logits" }, loss.Reads);
            Assert.Equal(new[] { "logits" }, loss.Writes);
            Assert.Equal(2, schedule.Steps.ToList().IndexOf(loss));
        }
    }

    [Theory]
    [InlineData("Layer1", "layer1", "layer1")]
    [InlineData("HiddenLayer", "hidden_layer", "hiddenLayer")]
    [InlineData("FC1", "fc1", "fc1")]
    [InlineData("FCLayer", "fc_layer", "fcLayer")]
    [InlineData("fc2", "fc2", "fc2")]
    public void NamesFollowPyTorchAndCSharpConventions(string member, string snake, string camel)
    {
        Assert.Equal(snake, NameConventions.ToSnakeCase(member));
        Assert.Equal(camel, NameConventions.ToCamelCase(member));
    }
}
