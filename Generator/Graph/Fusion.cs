using System.Collections.Generic;
using System.Linq;
using StaticGrad.Generator.Model;
using StaticGrad.Generator.Ops;

namespace StaticGrad.Generator.Graph;

/// <summary>
/// Rewrites of the graph that save a pass over memory, each a pattern over nodes. The epilogue rule: an activation right
/// after an op whose output nothing else reads goes into that op's output pass when the op accepts it
/// (<see cref="Op.WithEpilogue"/>): a ReLU, Sigmoid or Tanh into a biased <c>Linear</c>'s GEMM epilogue (applied while
/// the tile is in registers, its derivative joining the bias-gradient pass) or into a norm's normalizing pass (its
/// derivative joining the first pass of the norm's backward). The derivative hand-off rule: when such an op's output feeds
/// only one node, that node's gradient for it is the only one, so the node's backward pass may apply the activation's
/// derivative on the way when it can (<see cref="Op.WithInputDerivative"/>: max pooling after a ReLU, from its small
/// output) and the producer's backward pass skips its own pass over the gradient and its output. The gradient-forming
/// rule (<see cref="FormGradientsInProducers"/>) lets a producer whose input needs no gradient build its output gradient
/// from its consumer's backward inputs instead of reading the one the consumer's backward pass would write. The loss is always
/// fused with its producer's output: the loss step overwrites the last tensor with its gradient.
/// </summary>
internal static class Fusion
{
    public static ModelGraph Apply(ModelGraph graph)
    {
        var nodes = graph.Nodes.ToList();
        for (int i = 0; i + 1 < nodes.Count; i++)
        {
            Node producer = nodes[i];
            Node consumer = nodes[i + 1];
            if (consumer.Op is ActivationOp activation
                && producer.Op.WithEpilogue(activation.Kind) is { } fused
                && consumer.Inputs.Count == 1
                && consumer.Inputs[0] == producer.Id
                && ConsumersOf(nodes, producer.Id) == 1)
            {
                nodes[i] = producer with { Op = fused, Tensor = consumer.Tensor };
                nodes.RemoveAt(i + 1);
                Renumber(nodes, removed: consumer.Id, replacement: producer.Id);
            }
        }

        HandOffDerivatives(nodes);
        FormGradientsInProducers(nodes);
        return graph with { Nodes = nodes.ToEquatableArray() };
    }

    /// <summary>
    /// The gradient-forming rule, after the hand-off: an op whose input needs no gradient and whose output feeds only one
    /// node forms its output gradient itself from that node's backward inputs when it can
    /// (<see cref="Op.WithOutputGradientFrom"/>: a convolution before a max pool, LeNet's first layer), and the consumer's
    /// backward pass then writes nothing.
    /// </summary>
    private static void FormGradientsInProducers(List<Node> nodes)
    {
        bool[] needsGradient = ModelGraph.NeedsGradient(nodes);
        for (int i = 0; i < nodes.Count; i++)
        {
            Node consumer = nodes[i];
            if (consumer.Inputs.Count != 1 || consumer.Inputs[0] == ModelGraph.ModelInput)
            {
                continue;
            }

            Node producer = nodes[consumer.Inputs[0]];
            if (ConsumersOf(nodes, producer.Id) == 1
                && producer.Inputs.All(t => t == ModelGraph.ModelInput || !needsGradient[t])
                && producer.Op.WithOutputGradientFrom(consumer.Op) is { } forming)
            {
                nodes[producer.Id] = producer with { Op = forming };
                nodes[i] = consumer with { Op = consumer.Op.WithInputGradientLeftToProducer() };
            }
        }
    }

    /// <summary>The derivative hand-off rule, on the graph after the epilogue rule.</summary>
    private static void HandOffDerivatives(List<Node> nodes)
    {
        for (int i = 0; i < nodes.Count; i++)
        {
            Node consumer = nodes[i];
            if (consumer.Inputs.Count != 1 || consumer.Inputs[0] == ModelGraph.ModelInput)
            {
                continue;
            }

            int input = consumer.Inputs[0];

            Node producer = nodes[input];
            ActivationKind activation = producer.Op.DelegableEpilogue;
            if (activation != ActivationKind.None
                && ConsumersOf(nodes, producer.Id) == 1
                && consumer.Op.WithInputDerivative(activation) is { } applying)
            {
                nodes[input] = producer with { Op = producer.Op.WithEpilogueDerivativeDelegated() };
                nodes[i] = consumer with { Op = applying };
            }
        }
    }

    /// <summary>How many node inputs read tensor <paramref name="tensor"/>.</summary>
    public static int ConsumersOf(IReadOnlyList<Node> nodes, int tensor) => nodes.Sum(n => n.Inputs.Count(t => t == tensor));

    /// <summary>After a node is removed: its readers read <paramref name="replacement"/>, later ids shift down by one.</summary>
    private static void Renumber(List<Node> nodes, int removed, int replacement)
    {
        for (int i = 0; i < nodes.Count; i++)
        {
            Node node = nodes[i];
            EquatableArray<int> inputs = node.Inputs
                .Select(t => t == removed ? replacement : t > removed ? t - 1 : t)
                .ToEquatableArray();
            nodes[i] = node with { Id = i, Inputs = inputs };
        }
    }
}
