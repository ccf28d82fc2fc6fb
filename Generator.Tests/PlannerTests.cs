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
            new LossSpec("Loss", "public", 0f, ReductionKind.Mean));

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
