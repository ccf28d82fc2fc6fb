using System.Collections.Generic;
using System.Linq;
using StaticGrad.Generator.Model;
using StaticGrad.Generator.Ops;

namespace StaticGrad.Generator.Graph;

/// <summary>What a step of a schedule does.</summary>
internal enum StepKind
{
    /// <summary>A node's forward lowering.</summary>
    Forward,

    /// <summary>The fused loss: returns the loss and overwrites the output tensor with its gradient.</summary>
    Loss,

    /// <summary>A node's backward lowering.</summary>
    Backward,

    /// <summary>
    /// The fused classifier head (<see cref="FusedHead"/>): the last node's forward, the loss and the last node's backward
    /// in one, from the hidden activations (the input) to their gradient (the output gradient).
    /// </summary>
    FusedHead,

    /// <summary><c>target += source</c>: a second contribution to the gradient of a tensor that feeds several nodes.</summary>
    Accumulate,

    /// <summary><c>target = source</c>: the inference output when the last node is the identity in eval mode, or the loss's copy of the outputs.</summary>
    Copy,
}

/// <summary>
/// One step and the spans it works on. For <see cref="StepKind.Forward"/> and <see cref="StepKind.Backward"/> the
/// spans of the node's tensors are resolved here (in-place ops share their input's buffer), so the emitter only names them.
/// </summary>
/// <param name="Kind">What the step does.</param>
/// <param name="Node">The node (forward, backward), the output node (loss), or -1.</param>
/// <param name="Inputs">The spans of the node's inputs (forward, backward), or the source (accumulate, copy).</param>
/// <param name="Output">The span of the node's output, or the target (accumulate, copy).</param>
/// <param name="OutputGradient">The span of the output's gradient (backward), else empty.</param>
/// <param name="InputGradients">Per input, the span that receives its gradient, or an empty string when pruned (backward).</param>
/// <param name="Saved">The spans of the node's saved tensors, by suffix.</param>
/// <param name="Reads">The arena buffers the step reads (for liveness).</param>
/// <param name="Writes">The arena buffers the step writes (for liveness).</param>
/// <param name="Consumer">
/// For the backward pass of a node that forms its output gradient from its only consumer's backward inputs
/// (<see cref="Op.WithOutputGradientFrom"/>), the spans of that consumer's backward pass; else null.
/// </param>
internal sealed record Step(
    StepKind Kind,
    int Node,
    EquatableArray<string> Inputs,
    string Output,
    string OutputGradient,
    EquatableArray<string> InputGradients,
    EquatableArray<SavedBuffer> Saved,
    EquatableArray<string> Reads,
    EquatableArray<string> Writes,
    ConsumerSpans? Consumer = null);

/// <summary>The spans of a consumer's backward pass that its producer's backward pass reads.</summary>
/// <param name="OutputGradient">The consumer's output gradient.</param>
/// <param name="Output">The consumer's output.</param>
/// <param name="Saved">The consumer's saved tensors.</param>
internal sealed record ConsumerSpans(string OutputGradient, string Output, EquatableArray<SavedBuffer> Saved);

/// <summary>A saved tensor's suffix and its arena buffer.</summary>
internal sealed record SavedBuffer(string Suffix, string Buffer);

/// <summary>An activation-sized buffer: <c>[batch, FloatsPerSample]</c>.</summary>
internal sealed record BufferSpec(string Name, int FloatsPerSample, string Description);

/// <summary>The ordered steps of a training step (or of the forward pass) and the arena buffers they use.</summary>
internal sealed record Schedule(EquatableArray<Step> Steps, EquatableArray<BufferSpec> Buffers, string OutputBuffer)
{
    /// <summary>
    /// Forward through every node in training mode, the fused loss (the output becomes its gradient in place), then
    /// backward in reverse. Gradients flow only into tensors that depend on a parameter (pruning: never into the data).
    /// A tensor read by several nodes gets its first gradient contribution directly and the others accumulated.
    /// An op runs in place when its input feeds nothing else and no backward pass needs the overwritten values (an op
    /// that keeps the values, a reshape, overwrites none).
    /// </summary>
    public static Schedule ForTraining(ModelGraph graph)
    {
        IReadOnlyList<Node> nodes = graph.Nodes.ToList();
        var builder = new Builder(graph);
        string[] value = new string[nodes.Count];
        bool[] sharesInput = new bool[nodes.Count];
        bool[] needsGradient = ModelGraph.NeedsGradient(nodes);
        Node head = nodes[nodes.Count - 1];
        bool fusedHead = FusedHead.Applies(graph, head.Inputs[0] != ModelGraph.ModelInput && needsGradient[head.Inputs[0]]);
        foreach (Node node in fusedHead ? nodes.Take(nodes.Count - 1) : nodes)
        {
            bool last = node.Id == nodes.Count - 1;
            int input = node.Inputs[0];
            bool inPlace = node.Op.RunsInPlace
                && input != ModelGraph.ModelInput
                && !node.Op.BackwardReadsInputs
                && (node.Op.KeepsValues || !BackwardReadsValuesOf(nodes, sharesInput, input))
                && Fusion.ConsumersOf(nodes, input) == 1
                && (node.Inputs.Count == 1 || node.Inputs[1] != input);
            sharesInput[node.Id] = inPlace;
            value[node.Id] = inPlace ? value[input] : builder.Buffer(last ? OutputName(graph) : node.Tensor, node.Features, Describe(graph, node, "output"));
            builder.Forward(node, node.Inputs.Select(t => ValueOf(t, value)).ToArray(), value[node.Id], training: true);
        }

        string?[] gradient = new string?[nodes.Count];
        string output;
        int backwardFrom;
        if (fusedHead)
        {
            // The head and the loss in one step: the hidden activations in, their gradient (and the head's parameter
            // gradients) out; no logits.
            int hidden = head.Inputs[0];
            string hiddenGradient = builder.Buffer(nodes[hidden].Tensor + "Gradient", nodes[hidden].Features, "gradient of " + Describe(graph, nodes[hidden], "output"));
            builder.Add(new Step(StepKind.FusedHead, head.Id, Names(value[hidden]), string.Empty, hiddenGradient, Nulls(1), Saved(), Names(value[hidden]), Names(hiddenGradient)));
            gradient[hidden] = hiddenGradient;
            output = string.Empty;
            backwardFrom = nodes.Count - 2;
        }
        else
        {
            // The loss overwrites its input with the gradient. When a backward pass needs the values in that buffer (a
            // Tanh fused into the head of a regression model, or a Sigmoid on the convolution a flatten reads in place), the
            // loss works on a copy instead.
            output = value[nodes.Count - 1];
            string lossInput = output;
            if (BackwardReadsValuesOf(nodes, sharesInput, nodes.Count - 1))
            {
                lossInput = builder.Buffer(output + "Gradient", graph.Classes, "gradient of the outputs (the loss input, a copy of the outputs)");
                builder.Add(new Step(StepKind.Copy, -1, Names(output), lossInput, string.Empty, Nulls(0), Saved(), Names(output), Names(lossInput)));
            }

            builder.Add(new Step(StepKind.Loss, nodes.Count - 1, Names(lossInput), lossInput, string.Empty, Nulls(0), Saved(), Names(lossInput), Names(lossInput)));
            gradient[nodes.Count - 1] = lossInput;
            backwardFrom = nodes.Count - 1;
        }

        for (int i = backwardFrom; i >= 0; i--)
        {
            Node node = nodes[i];
            if (gradient[i] is not { } outputGradient)
            {
                // Nothing up to here has parameters (input dropout, a pool before the first layer): no backward pass.
                continue;
            }

            var targets = new string?[node.Inputs.Count];
            var accumulations = new List<(string Target, string Source)>();
            for (int k = 0; k < node.Inputs.Count; k++)
            {
                int t = node.Inputs[k];
                if (t == ModelGraph.ModelInput || !needsGradient[t])
                {
                    continue;
                }

                bool alias = k == 0 && node.Op.GradientInPlace;
                string features = Describe(graph, nodes[t], "output");
                if (gradient[t] is null)
                {
                    gradient[t] = alias ? outputGradient : builder.Buffer(nodes[t].Tensor + "Gradient", nodes[t].Features, "gradient of " + features);
                    targets[k] = gradient[t];
                }
                else
                {
                    // A node that reads the tensor twice (a Concat of a member with itself) contributes twice: one buffer per input.
                    string name = nodes[t].Tensor + "GradientFrom" + node.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)
                        + (k == 0 ? string.Empty : "Input" + k.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    string contribution = alias ? outputGradient : builder.Buffer(name, nodes[t].Features, "another contribution to the gradient of " + features);
                    targets[k] = contribution;
                    accumulations.Add((gradient[t]!, contribution));
                }
            }

            // A node that forms its output gradient from its consumer's backward inputs reads them (after that step).
            Node? consumer = node.Op.ReadsConsumerBackward ? nodes.Single(n => n.Inputs.Contains(node.Id)) : null;
            builder.Backward(node, node.Inputs.Select(t => ValueOf(t, value)).ToArray(), value[i], outputGradient, targets, consumer);
            foreach ((string target, string source) in accumulations)
            {
                builder.Add(new Step(StepKind.Accumulate, -1, Names(source), target, string.Empty, Nulls(0), Saved(), Names(source, target), Names(target)));
            }
        }

        return builder.Build(output);
    }

    /// <summary>
    /// The forward pass alone in eval mode: ops that are the identity then (dropout) are skipped, and an op runs in
    /// place whenever its input feeds nothing else. The last node writes the caller's span, so only hidden outputs
    /// live in the arena.
    /// </summary>
    public static Schedule ForInference(ModelGraph graph)
    {
        IReadOnlyList<Node> nodes = graph.Nodes.ToList();
        var builder = new Builder(graph);
        string output = graph.Spec.IsInferenceOnly ? "outputs" : OutputName(graph);
        string[] value = new string[nodes.Count];
        int[] holder = ValueHolders(nodes);
        foreach (Node node in nodes)
        {
            bool last = node.Id == nodes.Count - 1;
            int input = node.Inputs[0];
            if (node.Op.IdentityInInference)
            {
                value[node.Id] = ValueOf(input, value);
                if (last)
                {
                    builder.Add(new Step(StepKind.Copy, -1, Names(value[node.Id]), output, string.Empty, Nulls(0), Saved(), Names(value[node.Id]), Names()));
                    value[node.Id] = output;
                }

                continue;
            }

            // A skipped op passes its input's buffer on: what may be overwritten is decided on the tensor that holds it.
            int held = Holder(input, holder);
            bool inPlace = !last
                && node.Op.RunsInPlace
                && held != ModelGraph.ModelInput
                && ReadersOf(nodes, holder, held) == 1
                && (node.Inputs.Count == 1 || Holder(node.Inputs[1], holder) != held);
            value[node.Id] = last ? output : inPlace ? value[input] : builder.Buffer(node.Tensor, node.Features, Describe(graph, node, "output"));
            builder.Forward(node, node.Inputs.Select(t => ValueOf(t, value)).ToArray(), value[node.Id], training: false);
        }

        return builder.Build(output, external: output);
    }

    /// <summary>
    /// Whether a backward pass reads the values in the buffer of <paramref name="tensor"/>: its producer's, or through an
    /// op that kept its input's values in the same buffer (a flatten), the producer's of that input.
    /// </summary>
    private static bool BackwardReadsValuesOf(IReadOnlyList<Node> nodes, bool[] sharesInput, int tensor)
    {
        for (int t = tensor; t != ModelGraph.ModelInput; t = nodes[t].Inputs[0])
        {
            if (nodes[t].Op.BackwardReadsOutput)
            {
                return true;
            }

            if (!sharesInput[t] || !nodes[t].Op.KeepsValues)
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>
    /// Per node, the node whose output buffer holds its value in eval mode: itself, or for an op skipped in eval mode
    /// (dropout) whatever holds its input, possibly <see cref="ModelGraph.ModelInput"/>.
    /// </summary>
    private static int[] ValueHolders(IReadOnlyList<Node> nodes)
    {
        int[] holder = new int[nodes.Count];
        foreach (Node node in nodes)
        {
            holder[node.Id] = node.Op.IdentityInInference ? Holder(node.Inputs[0], holder) : node.Id;
        }

        return holder;
    }

    private static int Holder(int tensor, int[] holder) => tensor == ModelGraph.ModelInput ? ModelGraph.ModelInput : holder[tensor];

    /// <summary>How many inputs of the ops that run in eval mode read the buffer of <paramref name="held"/> (through skipped ops too).</summary>
    private static int ReadersOf(IReadOnlyList<Node> nodes, int[] holder, int held)
        => nodes.Where(n => !n.Op.IdentityInInference).Sum(n => n.Inputs.Count(t => Holder(t, holder) == held));

    /// <summary>The name of the output tensor in a training arena.</summary>
    public static string OutputName(ModelGraph graph) => graph.Spec.Loss switch
    {
        { IsRegression: true } => "predictions",
        { Kind: LossKind.BinaryCrossEntropy } => "probabilities",
        _ => "logits",
    };

    private static string ValueOf(int tensor, string[] value) => tensor == ModelGraph.ModelInput ? ModelGraph.InputName : value[tensor];

    private static string Describe(ModelGraph graph, Node node, string what)
        => $"{graph.MemberOf(node).ParameterName} {(node.Tensor.EndsWith("Output", System.StringComparison.Ordinal) ? string.Empty : node.Op.Name + " ")}{what}";

    private static EquatableArray<string> Names(params string[] names) => names.ToEquatableArray();

    private static EquatableArray<string> Nulls(int count) => Enumerable.Repeat(string.Empty, count).ToEquatableArray();

    private static EquatableArray<SavedBuffer> Saved() => EquatableArray<SavedBuffer>.Empty;

    /// <summary>Collects steps and buffers; a buffer's liveness comes from the steps' reads and writes.</summary>
    private sealed class Builder
    {
        private readonly ModelGraph _graph;
        private readonly List<Step> _steps = new();
        private readonly List<BufferSpec> _buffers = new();

        public Builder(ModelGraph graph) => _graph = graph;

        public string Buffer(string name, int floatsPerSample, string description)
        {
            _buffers.Add(new BufferSpec(name, floatsPerSample, description));
            return name;
        }

        public void Add(Step step) => _steps.Add(step);

        public void Forward(Node node, string[] inputs, string output, bool training)
        {
            var saved = new List<SavedBuffer>();
            foreach (SavedDecl decl in node.Op.Saved(node.InputShapes, node.Shape))
            {
                if (training || decl.ForwardNeedsIt)
                {
                    saved.Add(new SavedBuffer(decl.Suffix, Buffer(node.Tensor + decl.Suffix, decl.FloatsPerSample, $"{_graph.MemberOf(node).ParameterName} {decl.Description}")));
                }
            }

            var writes = new List<string> { output };
            writes.AddRange(saved.Select(s => s.Buffer));
            _steps.Add(new Step(StepKind.Forward, node.Id, inputs.ToEquatableArray(), output, string.Empty, Nulls(inputs.Length), saved.ToEquatableArray(), inputs.ToEquatableArray(), writes.ToEquatableArray()));
        }

        public void Backward(Node node, string[] inputs, string output, string outputGradient, string?[] inputGradients, Node? consumer = null)
        {
            Step forward = _steps.First(s => s.Kind == StepKind.Forward && s.Node == node.Id);
            var reads = new List<string> { outputGradient };
            ConsumerSpans? consumerSpans = null;
            if (consumer is not null)
            {
                Step backward = _steps.Single(s => s.Kind == StepKind.Backward && s.Node == consumer.Id);
                consumerSpans = new ConsumerSpans(backward.OutputGradient, backward.Output, backward.Saved);
                reads.Add(backward.OutputGradient);
                if (consumer.Op.BackwardReadsOutput)
                {
                    reads.Add(backward.Output);
                }

                reads.AddRange(backward.Saved.Select(s => s.Buffer));
            }

            if (node.Op.BackwardReadsInputs)
            {
                reads.AddRange(inputs);
            }

            if (node.Op.BackwardReadsOutput)
            {
                reads.Add(output);
            }

            reads.AddRange(forward.Saved.Select(s => s.Buffer));
            var writes = new List<string> { outputGradient };
            writes.AddRange(inputGradients.OfType<string>());
            _steps.Add(new Step(StepKind.Backward, node.Id, inputs.ToEquatableArray(), output, outputGradient, inputGradients.Select(g => g ?? string.Empty).ToEquatableArray(), forward.Saved, reads.ToEquatableArray(), writes.ToEquatableArray(), consumerSpans));
        }

        /// <summary>The schedule; <paramref name="external"/> names a span the caller owns (not in the arena).</summary>
        public Schedule Build(string output, string? external = null)
        {
            var arena = new HashSet<string>(_buffers.Select(b => b.Name));
            arena.Remove(ModelGraph.InputName);
            if (external is not null)
            {
                arena.Remove(external);
            }

            EquatableArray<Step> steps = _steps
                .Select(s => s with { Reads = s.Reads.Where(arena.Contains).ToEquatableArray(), Writes = s.Writes.Where(arena.Contains).ToEquatableArray() })
                .ToEquatableArray();
            return new Schedule(steps, _buffers.ToEquatableArray(), output);
        }
    }
}
