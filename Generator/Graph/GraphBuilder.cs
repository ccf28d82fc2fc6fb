using System.Collections.Generic;
using System.Linq;
using StaticGrad.Generator.Helpers;
using StaticGrad.Generator.Model;
using StaticGrad.Generator.Ops;

namespace StaticGrad.Generator.Graph;

/// <summary>
/// Specs to graph: one node per op, each consuming the previous node's output (a member with <c>[From]</c>: the output of
/// the member it names; and, for <c>Add</c> and <c>Concat</c>, also the output of the member they name), shapes inferred
/// by each op's rule, parameters laid out in <c>state_dict</c> order; then the fusion rules. The parser has already
/// checked references and shapes.
/// </summary>
internal static class GraphBuilder
{
    public static ModelGraph Build(ModelSpec spec) => Fusion.Apply(BuildUnfused(spec));

    /// <summary>The graph exactly as declared, one node per op.</summary>
    public static ModelGraph BuildUnfused(ModelSpec spec)
    {
        var nodes = new List<Node>();
        var memberOutputs = new Dictionary<string, int>(System.StringComparer.Ordinal);
        int previous = ModelGraph.ModelInput;
        int offset = 0;
        int index = 0;
        int floatBuffers = 0;
        int counters = 0;
        int bufferIndex = 0;
        for (int m = 0; m < spec.Members.Count; m++)
        {
            MemberSpec member = spec.Members[m];
            if (member.From is { } from)
            {
                previous = from == ModelSpec.InputReference ? ModelGraph.ModelInput : memberOutputs[from];
            }

            for (int k = 0; k < member.Ops.Count; k++)
            {
                Op op = member.Ops[k];
                var inputs = new List<int> { previous };
                if (op.Skip is { } skip)
                {
                    inputs.Add(skip == ModelSpec.InputReference ? ModelGraph.ModelInput : memberOutputs[skip]);
                }

                EquatableArray<TensorShape> shapes = inputs.Select(t => t == ModelGraph.ModelInput ? spec.InputShape : nodes[t].Shape).ToEquatableArray();
                var parameters = new List<PlacedParameter>();
                foreach (ParameterDecl decl in op.Parameters(shapes))
                {
                    parameters.Add(new PlacedParameter(decl, member.ParameterName + "." + decl.Suffix, offset, index++));
                    offset = checked(offset + decl.Length);
                }

                var buffers = new List<PlacedStateBuffer>();
                foreach (BufferDecl decl in op.Buffers(shapes))
                {
                    ref int next = ref decl.IsCounter ? ref counters : ref floatBuffers;
                    buffers.Add(new PlacedStateBuffer(decl, member.ParameterName + "." + decl.Suffix, next, bufferIndex++));
                    next = checked(next + decl.Length);
                }

                bool last = k == member.Ops.Count - 1;
                string tensor = NameConventions.ToCamelCase(member.MemberName) + (last ? "Output" : op.Name);
                int id = nodes.Count;
                nodes.Add(new Node(id, m, op, inputs.ToEquatableArray(), shapes, op.OutputShape(shapes), tensor, parameters.ToEquatableArray(), buffers.ToEquatableArray()));
                previous = id;
            }

            memberOutputs[member.MemberName] = previous;
        }

        return new ModelGraph(spec, nodes.ToEquatableArray(), offset);
    }
}
