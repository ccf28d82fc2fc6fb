using System.Collections.Generic;
using System.Linq;
using StaticGrad.Generator.Graph;
using StaticGrad.Generator.Helpers;
using StaticGrad.Generator.Model;
using StaticGrad.Generator.Ops;
using Xunit;

namespace StaticGrad.Generator.Tests;

/// <summary>The compiler phases as pure functions: shape inference, fusion, schedule, memory plan, names.</summary>
public sealed class PlannerTests
{
    private static readonly LossSpec CrossEntropy =
        new("Loss", "public", LossKind.SoftmaxCrossEntropy, 0f, ReductionKind.Mean, LossSpec.DefaultIgnoreIndex, TargetsKind.ClassIndices, default, default);

    private static ModelSpec Spec(int inputs, params (int Outputs, ActivationKind Activation)[] layers)
        => Model(inputs, layers.Select((l, i) => Linear($"Layer{i + 1}", l.Outputs, l.Activation)).ToArray());

    private static ModelSpec Model(int inputs, params MemberSpec[] members)
        => new("N", "M", "public", TensorShape.Flat(inputs), members.ToEquatableArray(), CrossEntropy, OutputActivation.None);

    /// <summary>A model of 2 × 8 × 8 images.</summary>
    private static ModelSpec ImageModel(params MemberSpec[] members)
        => new("N", "M", "public", TensorShape.Image(2, 8, 8), members.ToEquatableArray(), CrossEntropy, OutputActivation.None);

    /// <summary>A 3 × 3 convolution with <paramref name="activation"/>, a 2 × 2 max pool and a flatten, then <paramref name="rest"/>.</summary>
    private static MemberSpec[] ConvPoolFlatten(ActivationKind activation, params MemberSpec[] rest)
        => new[]
        {
            Member("Conv", "Conv2d", new Conv2dOp(4, Square(3, 1, 1, 1), false, 0, 0, 1, true, PadMode.Zero), new ActivationOp(activation, 0f, 0f)),
            Member("Pool", "MaxPool2d", new MaxPool2dOp(Square(2, 2, 0, 1))),
            Member("Flat", "Flatten", new FlattenOp()),
        }.Concat(rest).ToArray();

    /// <summary>A convolution with ReLU whose output feeds a 1 × 1 max pool and, through a skip connection, an Add.</summary>
    private static ModelGraph ConvOutputAlsoSkipped()
        => GraphBuilder.Build(ImageModel(
            Member("Conv", "Conv2d", new Conv2dOp(4, Square(3, 1, 1, 1), false, 0, 0, 1, true, PadMode.Zero), new ActivationOp(ActivationKind.ReLU, 0f, 0f)),
            Member("Pool", "MaxPool2d", new MaxPool2dOp(Square(1, 1, 0, 1))),
            Member("Skip", "Residual", new AddOp("Conv")),
            Member("Flat", "Flatten", new FlattenOp()),
            Linear("Head", 3)));

    private static MemberSpec Linear(string name, int outputs, ActivationKind activation = ActivationKind.None, bool bias = true)
    {
        var ops = new List<Op> { new LinearOp(outputs, bias) };
        if (activation != ActivationKind.None)
        {
            ops.Add(new ActivationOp(activation, 0f, 0f));
        }

        return Member(name, "Linear", ops.ToArray());
    }

    /// <summary>A square window: the same kernel, stride, padding and dilation along both axes.</summary>
    private static Window2d Square(int kernel, int stride, int padding, int dilation) => new(kernel, kernel, stride, stride, padding, padding, dilation, dilation);

    private static MemberSpec Member(string name, string type, params Op[] ops)
        => new(name, NameConventions.ToSnakeCase(name), "public", type, ops.ToEquatableArray());

    [Fact]
    public void InfersShapesAndLaysOutParametersInStateDictOrder()
    {
        ModelGraph graph = GraphBuilder.Build(Spec(784, (128, ActivationKind.ReLU), (10, ActivationKind.None)));

        Assert.Equal(new[] { 784, 128 }, graph.Nodes.Select(n => n.InputShapes[0].Features));
        Assert.Equal(new[] { "layer1.weight", "layer1.bias", "layer2.weight", "layer2.bias" }, graph.Nodes.SelectMany(n => n.Parameters).Select(p => p.Name));
        Assert.Equal(new[] { 0, 100352, 100480, 101760 }, graph.Nodes.SelectMany(n => n.Parameters).Select(p => p.Offset));
        Assert.Equal(101770, graph.ParameterCount);
    }

    [Fact]
    public void FusesAnEpilogueActivationIntoTheLinearButNotOneThatNeedsTheInput()
    {
        ModelGraph relu = GraphBuilder.Build(Spec(8, (4, ActivationKind.ReLU), (3, ActivationKind.None)));
        ModelGraph gelu = GraphBuilder.Build(Spec(8, (4, ActivationKind.GELU), (3, ActivationKind.None)));

        Assert.Equal(2, relu.Nodes.Count);
        Assert.Equal(ActivationKind.ReLU, Assert.IsType<LinearOp>(relu.Nodes[0].Op).Fused);
        Assert.Equal(3, gelu.Nodes.Count);
        Assert.IsType<ActivationOp>(gelu.Nodes[1].Op);
        Assert.Equal(new[] { 1 }, gelu.Nodes[2].Inputs);
    }

    [Fact]
    public void DoesNotFuseWhenTheLinearOutputFeedsASkipConnection()
    {
        ModelSpec spec = Model(
            8,
            Linear("Stem", 4),
            Member("Act", "ActivationLayer", new ActivationOp(ActivationKind.ReLU, 0f, 0f)),
            Member("Skip", "Residual", new AddOp("Stem")),
            Linear("Head", 3));

        ModelGraph graph = GraphBuilder.Build(spec);

        Assert.Equal(4, graph.Nodes.Count);
        Assert.Equal(new[] { 1, 0 }, graph.Nodes[2].Inputs);
    }

    [Fact]
    public void FirstLayerComputesNoInputGradient()
    {
        Schedule schedule = Schedule.ForTraining(GraphBuilder.Build(Spec(5, (4, ActivationKind.ReLU), (3, ActivationKind.None))));

        Step firstBackward = schedule.Steps.Last();
        Assert.Equal(StepKind.Backward, firstBackward.Kind);
        Assert.Equal(0, firstBackward.Node);
        Assert.Equal(new[] { string.Empty }, firstBackward.InputGradients);
        Assert.Equal(new[] { "layer1OutputGradient" }, firstBackward.Writes);
        Assert.DoesNotContain(schedule.Buffers, b => b.Name.Contains("inputs", System.StringComparison.Ordinal));
    }

    [Fact]
    public void ATensorReadTwiceGetsItsSecondGradientContributionAccumulated()
    {
        ModelSpec spec = Model(8, Linear("Stem", 6), Linear("Block", 6, ActivationKind.ReLU), Member("Skip", "Residual", new AddOp("Stem")), Linear("Head", 3));

        Schedule schedule = Schedule.ForTraining(GraphBuilder.Build(spec));

        Step accumulate = Assert.Single(schedule.Steps, s => s.Kind == StepKind.Accumulate);
        Assert.Equal("stemOutputGradient", accumulate.Output);
        int addBackward = schedule.Steps.ToList().FindIndex(s => s.Kind == StepKind.Backward && s.Node == 2);
        int blockBackward = schedule.Steps.ToList().FindIndex(s => s.Kind == StepKind.Backward && s.Node == 1);
        int stemBackward = schedule.Steps.ToList().FindIndex(s => s.Kind == StepKind.Backward && s.Node == 0);
        Assert.True(addBackward < blockBackward && blockBackward < schedule.Steps.ToList().IndexOf(accumulate) && schedule.Steps.ToList().IndexOf(accumulate) < stemBackward);
    }

    [Fact]
    public void DropoutRunsInPlaceWhenTraining_AndIsSkippedInEvalMode()
    {
        // A plain Linear's backward reads its input, not its output, so the dropout may overwrite that output.
        ModelSpec spec = Model(8, Linear("Hidden", 6), Member("Drop", "Dropout", new DropoutOp(0.5f)), Linear("Head", 3));

        ModelPlan plan = ModelPlan.Create(spec);

        Assert.DoesNotContain(plan.Training!.Buffers, b => b.Name == "dropOutput");
        Assert.Contains(plan.Training.Buffers, b => b.Name == "dropOutputMask");
        Assert.DoesNotContain(plan.Inference.Steps, s => s.Kind == StepKind.Forward && s.Node == 1);
        Assert.Equal("hiddenOutput", plan.Inference.Steps.Last().Inputs[0]);
    }

    [Fact]
    public void DropoutDoesNotOverwriteAnOutputItsProducersBackwardReads()
    {
        ModelPlan plan = ModelPlan.Create(Model(8, Linear("Hidden", 6, ActivationKind.ReLU), Member("Drop", "Dropout", new DropoutOp(0.5f)), Linear("Head", 3)));

        Step dropout = plan.Training!.Steps.First(s => s.Kind == StepKind.Forward && s.Node == 1);
        Assert.Equal("hiddenOutput", dropout.Inputs[0]);
        Assert.Equal("dropOutput", dropout.Output);
    }

    [Fact]
    public void AnActivationWhoseBackwardNeedsItsInputDoesNotOverwriteIt()
    {
        ModelPlan plan = ModelPlan.Create(Model(8, Linear("Hidden", 6, ActivationKind.GELU), Linear("Head", 3)));

        Step gelu = plan.Training!.Steps.First(s => s.Kind == StepKind.Forward && s.Node == 1);
        Assert.NotEqual(gelu.Inputs[0], gelu.Output);
        Step inference = plan.Inference.Steps.First(s => s.Kind == StepKind.Forward && s.Node == 1);
        Assert.Equal(inference.Inputs[0], inference.Output);
    }

    [Fact]
    public void AMaxPoolAfterAFusedReLUAppliesItsDerivative_AndTheConvolutionNoLongerReadsItsOutput()
    {
        ModelPlan plan = ModelPlan.Create(ImageModel(ConvPoolFlatten(ActivationKind.ReLU, Linear("Head", 3))));

        ModelGraph graph = plan.Graph;
        Assert.True(Assert.IsType<Conv2dOp>(graph.Nodes[0].Op).DerivativeDelegated);
        Assert.Equal(ActivationKind.ReLU, Assert.IsType<MaxPool2dOp>(graph.Nodes[1].Op).InputDerivative);
        Step pool = plan.Training!.Steps.First(s => s.Kind == StepKind.Backward && s.Node == 1);
        Assert.Contains("poolOutput", pool.Reads);
        Step conv = plan.Training.Steps.First(s => s.Kind == StepKind.Backward && s.Node == 0);
        Assert.DoesNotContain("convOutput", conv.Reads);

        // The flatten still shares the pooled output's buffer: it moves no value the pool's backward pass reads.
        Step flatten = plan.Training.Steps.First(s => s.Kind == StepKind.Forward && s.Node == 2);
        Assert.Equal(flatten.Inputs[0], flatten.Output);
    }

    [Fact]
    public void ABatchNormWithReLUHandsItsDerivativeToTheMaxPoolAfterIt()
    {
        ModelPlan plan = ModelPlan.Create(ImageModel(
            Member("Conv", "Conv2d", new Conv2dOp(4, Square(3, 1, 1, 1), false, 0, 0, 1, true, PadMode.Zero)),
            Member("Norm", "BatchNorm2d", new BatchNormOp(1e-5f, 0.1f, true, true, Spatial: true), new ActivationOp(ActivationKind.ReLU, 0f, 0f)),
            Member("Pool", "MaxPool2d", new MaxPool2dOp(Square(2, 2, 0, 1))),
            Member("Flat", "Flatten", new FlattenOp()),
            Linear("Head", 3)));

        Assert.True(Assert.IsType<BatchNormOp>(plan.Graph.Nodes[1].Op).DerivativeDelegated);
        Assert.Equal(ActivationKind.ReLU, Assert.IsType<MaxPool2dOp>(plan.Graph.Nodes[2].Op).InputDerivative);
        Step norm = plan.Training!.Steps.First(s => s.Kind == StepKind.Backward && s.Node == 1);
        Assert.DoesNotContain(plan.Training.Steps.First(s => s.Kind == StepKind.Forward && s.Node == 1).Output, norm.Reads);
    }

    [Fact]
    public void NoDerivativeHandOff_WhenTheActivatedOutputFeedsAnotherNode_OrTheActivationIsNotReLU()
    {
        ModelGraph shared = ConvOutputAlsoSkipped();
        ModelGraph tanh = GraphBuilder.Build(ImageModel(ConvPoolFlatten(ActivationKind.Tanh, Linear("Head", 3))));

        foreach (ModelGraph graph in new[] { shared, tanh })
        {
            Assert.False(Assert.IsType<Conv2dOp>(graph.Nodes[0].Op).DerivativeDelegated);
            Assert.Equal(ActivationKind.None, Assert.IsType<MaxPool2dOp>(graph.Nodes[1].Op).InputDerivative);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AFirstConvolutionFormsItsOutputGradientFromTheMaxPoolAfterIt(bool relu)
    {
        ActivationKind activation = relu ? ActivationKind.ReLU : ActivationKind.None;
        MemberSpec[] members = ConvPoolFlatten(activation, Linear("Head", 3));
        if (activation == ActivationKind.None)
        {
            members[0] = Member("Conv", "Conv2d", new Conv2dOp(4, Square(3, 1, 1, 1), false, 0, 0, 1, true, PadMode.Zero));
        }

        ModelPlan plan = ModelPlan.Create(ImageModel(members));

        var conv = Assert.IsType<Conv2dOp>(plan.Graph.Nodes[0].Op);
        var pool = Assert.IsType<MaxPool2dOp>(plan.Graph.Nodes[1].Op);
        Assert.Equal(activation, Assert.IsType<MaxPool2dOp>(conv.GradientFromPool).InputDerivative);
        Assert.True(pool.InputGradientLeftToProducer);
        Step poolBackward = plan.Training!.Steps.Single(s => s.Kind == StepKind.Backward && s.Node == 1);
        Step convBackward = plan.Training.Steps.Single(s => s.Kind == StepKind.Backward && s.Node == 0);
        List<Step> steps = plan.Training.Steps.ToList();
        Assert.True(steps.IndexOf(poolBackward) < steps.IndexOf(convBackward));

        // The convolution reads what the pool's backward pass would have: its output gradient, its maxima, its indices.
        ConsumerSpans consumer = Assert.IsType<ConsumerSpans>(convBackward.Consumer);
        Assert.Equal(poolBackward.OutputGradient, consumer.OutputGradient);
        Assert.Contains(poolBackward.OutputGradient, convBackward.Reads);
        Assert.Contains("poolOutputIndices", convBackward.Reads);
        Assert.Equal(activation == ActivationKind.ReLU, convBackward.Reads.Contains("poolOutput"));
    }

    [Fact]
    public void NoGradientForming_WhenTheConvolutionsInputNeedsAGradient_OrItsOutputFeedsAnotherNode_OrItsActivationIsNotReLU()
    {
        ModelGraph second = GraphBuilder.Build(ImageModel(
            new[] { Member("First", "Conv2d", new Conv2dOp(2, Square(1, 1, 0, 1), false, 0, 0, 1, true, PadMode.Zero)) }.Concat(ConvPoolFlatten(ActivationKind.ReLU, Linear("Head", 3))).ToArray()));
        ModelGraph shared = ConvOutputAlsoSkipped();
        ModelGraph tanh = GraphBuilder.Build(ImageModel(ConvPoolFlatten(ActivationKind.Tanh, Linear("Head", 3))));

        Assert.Null(Assert.IsType<Conv2dOp>(second.Nodes[1].Op).GradientFromPool);
        Assert.False(Assert.IsType<MaxPool2dOp>(second.Nodes[2].Op).InputGradientLeftToProducer);
        foreach (ModelGraph graph in new[] { shared, tanh })
        {
            Assert.Null(Assert.IsType<Conv2dOp>(graph.Nodes[0].Op).GradientFromPool);
            Assert.False(Assert.IsType<MaxPool2dOp>(graph.Nodes[1].Op).InputGradientLeftToProducer);
        }
    }

    [Fact]
    public void AnOpAfterAFlattenDoesNotOverwriteThePooledOutputThePoolsBackwardReads()
    {
        ModelPlan plan = ModelPlan.Create(ImageModel(ConvPoolFlatten(ActivationKind.ReLU, Member("Drop", "Dropout", new DropoutOp(0.5f)), Linear("Head", 3))));

        Step dropout = plan.Training!.Steps.First(s => s.Kind == StepKind.Forward && s.Node == 3);
        Assert.Equal("poolOutput", dropout.Inputs[0]);
        Assert.NotEqual(dropout.Inputs[0], dropout.Output);
    }

    [Theory]
    [InlineData(new[] { 128, 10 })]
    [InlineData(new[] { 256, 128, 10 })]
    [InlineData(new[] { 300, 20, 300, 7, 10 })]
    public void BuffersThatAreLiveTogetherNeverOverlap(int[] widths)
    {
        MemoryPlan plan = MemoryPlanner.Plan(Schedule.ForTraining(GraphBuilder.Build(Spec(784, widths.Select(w => (w, ActivationKind.ReLU)).ToArray()))));
        AssertNoLiveOverlap(plan);
    }

    [Fact]
    public void BuffersOfADagThatAreLiveTogetherNeverOverlap()
    {
        ModelSpec spec = Model(
            20,
            Linear("Stem", 16),
            Member("Norm", "LayerNorm", new LayerNormOp(1e-5f, true)),
            Linear("Fc", 16, ActivationKind.SiLU),
            Member("Drop", "Dropout", new DropoutOp(0.1f)),
            Member("Skip", "Residual", new AddOp("Stem")),
            Member("Wide", "Residual", new ConcatOp(ModelSpec.InputReference)),
            Linear("Head", 5));

        ModelPlan plan = ModelPlan.Create(spec);

        AssertNoLiveOverlap(plan.Memory!);
        AssertNoLiveOverlap(plan.InferenceMemory);
    }

    [Fact]
    public void DeadBuffersOfTheSameSizeAreReused()
    {
        MemoryPlan plan = MemoryPlanner.Plan(Schedule.ForTraining(GraphBuilder.Build(Spec(784, (64, ActivationKind.ReLU), (64, ActivationKind.ReLU), (64, ActivationKind.ReLU), (64, ActivationKind.ReLU), (10, ActivationKind.None)))));

        int unshared = plan.Buffers.Sum(b => b.Buffer.FloatsPerSample);
        Assert.True(plan.FloatsPerSample < unshared, $"{plan.FloatsPerSample} floats per sample, {unshared} without reuse");
        AssertNoLiveOverlap(plan);
    }

    [Theory]
    [InlineData(new[] { 256, 128, 10 })]
    [InlineData(new[] { 64, 64, 64, 64, 10 })]
    [InlineData(new[] { 300, 20, 300, 7, 10 })]
    public void BuffersOfDifferentSizesNeverShareSpace(int[] widths)
    {
        MemoryPlan plan = MemoryPlanner.Plan(Schedule.ForTraining(GraphBuilder.Build(Spec(784, widths.Select(w => (w, ActivationKind.ReLU)).ToArray()))));

        foreach (PlacedBuffer a in plan.Buffers)
        {
            foreach (PlacedBuffer b in plan.Buffers.Where(b => b != a && b.Buffer.FloatsPerSample != a.Buffer.FloatsPerSample))
            {
                bool overlap = a.Offset < b.Offset + b.Buffer.FloatsPerSample && b.Offset < a.Offset + a.Buffer.FloatsPerSample;
                Assert.False(overlap, $"{a.Buffer.Name} ({a.Buffer.FloatsPerSample}) and {b.Buffer.Name} ({b.Buffer.FloatsPerSample}) share space");
            }
        }
    }

    [Fact]
    public void InferenceOnlyModelsScheduleOnlyTheForwardPass()
    {
        ModelSpec spec = Spec(784, (64, ActivationKind.ReLU), (10, ActivationKind.None)) with { Loss = null, OutputActivation = OutputActivation.Softmax };

        ModelPlan plan = ModelPlan.Create(spec);

        Assert.Null(plan.Training);
        Assert.Null(plan.Memory);
        Assert.All(plan.Inference.Steps, step => Assert.Equal(StepKind.Forward, step.Kind));
        Assert.Equal(new[] { "layer1Output" }, plan.Inference.Buffers.Select(b => b.Name));
        Assert.Equal("outputs", plan.Inference.Steps.Last().Output);
        Assert.Equal(64, plan.InferenceMemory.FloatsPerSample);
    }

    [Fact]
    public void InferenceHasItsOwnArenaOfHiddenOutputsAlone()
    {
        ModelSpec spec = Spec(784, (256, ActivationKind.ReLU), (128, ActivationKind.Tanh), (64, ActivationKind.ReLU), (10, ActivationKind.None));

        ModelPlan plan = ModelPlan.Create(spec);

        Assert.Equal(new[] { "layer1Output", "layer2Output", "layer3Output" }, plan.InferenceMemory.Buffers.Select(b => b.Buffer.Name));
        Assert.Equal("logits", plan.Inference.Steps.Last().Output);
        // Buffers of different sizes never share space (see MemoryPlanner): 256 + 128 + 64.
        Assert.Equal(448, plan.InferenceMemory.FloatsPerSample);
        Assert.True(plan.InferenceMemory.FloatsPerSample < plan.Memory!.FloatsPerSample);
    }

    [Fact]
    public void EveryLossKindGetsTheSameFusedLossStep()
    {
        foreach (LossKind kind in new[] { LossKind.SoftmaxCrossEntropy, LossKind.Nll, LossKind.BinaryCrossEntropyWithLogits, LossKind.Mse, LossKind.Huber })
        {
            ModelSpec spec = Spec(5, (4, ActivationKind.ReLU), (3, ActivationKind.None));
            spec = spec with { Loss = spec.Loss! with { Kind = kind }, OutputActivation = kind == LossKind.Nll ? OutputActivation.LogSoftmax : OutputActivation.None };

            Schedule schedule = ModelPlan.Create(spec).Training!;

            Step loss = Assert.Single(schedule.Steps, s => s.Kind == StepKind.Loss);
            string output = spec.Loss!.IsRegression ? "predictions" : "logits";
            Assert.Equal(new[] { output }, loss.Reads);
            Assert.Equal(new[] { output }, loss.Writes);
            Assert.Equal(2, schedule.Steps.ToList().IndexOf(loss));
        }
    }

    [Fact]
    public void BinaryCrossEntropyReadsACopyOfTheSigmoidProbabilities_AndTheSigmoidBackwardFollows()
    {
        // Not fused into the logits form: the loss overwrites a copy with dLoss/dp, and the last layer's backward pass
        // multiplies it by the Sigmoid's derivative, read from the probabilities it keeps.
        ModelSpec spec = Spec(5, (4, ActivationKind.ReLU), (3, ActivationKind.Sigmoid));
        spec = spec with { Loss = spec.Loss! with { Kind = LossKind.BinaryCrossEntropy } };

        Schedule schedule = ModelPlan.Create(spec).Training!;

        Step copy = Assert.Single(schedule.Steps, s => s.Kind == StepKind.Copy);
        Step loss = Assert.Single(schedule.Steps, s => s.Kind == StepKind.Loss);
        Assert.Equal(new[] { "probabilities" }, copy.Reads);
        Assert.Equal(new[] { "probabilitiesGradient" }, loss.Writes);
        Step head = schedule.Steps.First(s => s.Kind == StepKind.Backward);
        Assert.Equal("probabilitiesGradient", head.OutputGradient);
        Assert.Equal("probabilities", head.Output);
        Assert.True(schedule.Steps.ToList().IndexOf(loss) < schedule.Steps.ToList().IndexOf(head));
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

    private static void AssertNoLiveOverlap(MemoryPlan plan)
    {
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
}
