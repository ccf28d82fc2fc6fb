using System.Collections.Generic;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Graph;

/// <summary>What a step of the training schedule does.</summary>
internal enum StepKind
{
    /// <summary><c>output = act(input W^T + b)</c>, bias and activation fused.</summary>
    LinearForward,

    /// <summary>
    /// The fused loss (softmax cross-entropy, LogSoftmax + NLL, or BCE with logits): returns the loss and
    /// overwrites the logits with their gradient.
    /// </summary>
    Loss,

    /// <summary>Activation gradient and bias gradient in one pass, then the weight gradient and (unless pruned) the input gradient.</summary>
    LinearBackward,
}

/// <summary>One step of the schedule and the arena buffers it reads and writes.</summary>
internal sealed record Step(StepKind Kind, int Layer, EquatableArray<string> Reads, EquatableArray<string> Writes);

/// <summary>An activation-sized buffer: <c>[batch, FloatsPerSample]</c>.</summary>
internal sealed record BufferSpec(string Name, int FloatsPerSample, string Description);

/// <summary>The ordered steps of a training step (or, for an inference-only model, of the forward pass) and the buffers they use.</summary>
internal sealed record Schedule(EquatableArray<Step> Steps, EquatableArray<BufferSpec> Buffers)
{
    /// <summary>The network input, owned by the caller; it never lives in the arena.</summary>
    public const string Input = "inputs";

    /// <summary>
    /// The last layer's output: <c>logits</c> when a loss consumes it (the training arena holds it), <c>outputs</c>
    /// for an inference-only model (it is the caller's span of <c>Forward</c>).
    /// </summary>
    public static string LastOutput(ModelGraph graph) => graph.Spec.IsInferenceOnly ? "outputs" : "logits";

    public static string OutputOf(LayerNode layer, ModelGraph graph)
        => layer.Index == graph.Layers.Count - 1 ? LastOutput(graph) : NameOf(layer) + "Output";

    public static string OutputGradientOf(LayerNode layer, ModelGraph graph)
        => layer.Index == graph.Layers.Count - 1 ? LastOutput(graph) : NameOf(layer) + "OutputGradient";

    public static string InputOf(LayerNode layer, ModelGraph graph)
        => layer.Index == 0 ? Input : OutputOf(graph.Layers[layer.Index - 1], graph);

    public static string InputGradientOf(LayerNode layer, ModelGraph graph)
        => OutputGradientOf(graph.Layers[layer.Index - 1], graph);

    /// <summary>
    /// Forward through every layer, the fused loss (which turns the logits into their gradient in
    /// place), then backward from the last layer to the first. The first layer computes no input
    /// gradient: nothing needs the gradient of the data (gradient pruning).
    /// </summary>
    public static Schedule ForTraining(ModelGraph graph)
    {
        var steps = new List<Step>();
        var buffers = new List<BufferSpec>();
        foreach (LayerNode layer in graph.Layers)
        {
            string output = OutputOf(layer, graph);
            buffers.Add(new BufferSpec(output, layer.Outputs, $"{layer.Spec.ParameterName} output"));
            steps.Add(new Step(StepKind.LinearForward, layer.Index, Names(InputOf(layer, graph)), Names(output)));
        }

        steps.Add(new Step(StepKind.Loss, graph.Last.Index, Names("logits"), Names("logits")));

        for (int i = graph.Layers.Count - 1; i >= 0; i--)
        {
            LayerNode layer = graph.Layers[i];
            string gradient = OutputGradientOf(layer, graph);
            var reads = new List<string> { gradient, OutputOf(layer, graph), InputOf(layer, graph) };
            var writes = new List<string> { gradient };
            if (i > 0)
            {
                LayerNode previous = graph.Layers[i - 1];
                string inputGradient = OutputGradientOf(previous, graph);
                buffers.Add(new BufferSpec(inputGradient, previous.Outputs, $"gradient of {previous.Spec.ParameterName} output"));
                writes.Add(inputGradient);
            }

            steps.Add(new Step(StepKind.LinearBackward, i, reads.ToEquatableArray(), writes.ToEquatableArray()));
        }

        return new Schedule(steps.ToEquatableArray(), buffers.ToEquatableArray());
    }

    /// <summary>
    /// The forward pass alone, for a model without a loss: one step per layer; the last layer writes the
    /// caller's span, so only hidden outputs live in the arena.
    /// </summary>
    public static Schedule ForInference(ModelGraph graph)
    {
        var steps = new List<Step>();
        var buffers = new List<BufferSpec>();
        foreach (LayerNode layer in graph.Layers)
        {
            string output = OutputOf(layer, graph);
            if (layer.Index < graph.Layers.Count - 1)
            {
                buffers.Add(new BufferSpec(output, layer.Outputs, $"{layer.Spec.ParameterName} output"));
            }

            steps.Add(new Step(StepKind.LinearForward, layer.Index, Names(InputOf(layer, graph)), Names(output)));
        }

        return new Schedule(steps.ToEquatableArray(), buffers.ToEquatableArray());
    }

    private static EquatableArray<string> Names(params string[] names) => names.ToEquatableArray();

    private static string NameOf(LayerNode layer) => Helpers.NameConventions.ToCamelCase(layer.Spec.MemberName);
}
