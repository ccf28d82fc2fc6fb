using System.Linq;
using StaticGrad.Generator.Graph;
using StaticGrad.Generator.Helpers;
using StaticGrad.Generator.Model;
using StaticGrad.Generator.Ops;

namespace StaticGrad.Generator;

internal sealed partial class ModelGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// <c>ToOnnx()</c>: the eval-mode graph as ONNX builder calls, one statement per node in data-flow order (each op
        /// writes its own, <see cref="Op.OnnxExpression"/>), the parameters and float buffers as initializers under their
        /// <c>state_dict</c> names, then the output activation of <c>Forward</c>.
        /// </summary>
        private static void WriteToOnnx(IndentedWriter w, ModelGraph graph)
        {
            ModelSpec spec = graph.Spec;
            const string Builder = OnnxEmitContext.Builder;
            w.WriteLine();
            w.WriteLine("/// <summary>");
            w.WriteLine("/// The model in eval mode as an ONNX graph (opset 17, batch dimension <c>batch</c>): input <c>input</c>");
            w.WriteLine($"/// <c>[batch, {OnnxEmitContext.Dimensions(spec.InputShape)}]</c>, output <c>output</c> <c>[batch, {Int(graph.Classes)}]</c> holding what");
            w.WriteLine("/// <see cref=\"Forward\"/> computes, weights from the current parameters. Save it with <c>ToOnnx().Save(path)</c>.");
            w.WriteLine("/// </summary>");
            w.WriteLine("/// <returns>The graph, ready to save or to extend.</returns>");
            using (w.WriteBlock("public global::StaticGrad.Onnx.OnnxGraphBuilder ToOnnx()"))
            {
                w.WriteLine($"global::StaticGrad.Onnx.OnnxGraphBuilder {Builder} = new global::StaticGrad.Onnx.OnnxGraphBuilder({Literal(spec.TypeName)});");
                w.WriteLine($"{Builder}.AddStateDict({Parameters});");
                w.WriteLine($"string {ModelGraph.InputName} = {Builder}.Input(\"input\", {OnnxEmitContext.Dimensions(spec.InputShape)});");
                foreach (Node node in graph.Nodes)
                {
                    var names = node.Parameters.ToDictionary(p => p.Decl.Suffix, p => p.Name)
                        .Concat(node.Buffers.ToDictionary(b => b.Decl.Suffix, b => b.Name))
                        .ToDictionary(pair => pair.Key, pair => pair.Value);
                    var context = new OnnxEmitContext(
                        node.Inputs.Select(t => t == ModelGraph.ModelInput ? ModelGraph.InputName : graph.Nodes[t].Tensor).ToList(),
                        node.InputShapes.ToList(),
                        node.Shape,
                        names);
                    w.WriteLine($"string {node.Tensor} = {node.Op.OnnxExpression(context)}; // {graph.MemberOf(node).ParameterName}: {node.Shape}");
                }

                string output = graph.Output.Tensor;
                if (spec.OutputActivation != OutputActivation.None)
                {
                    output = OnnxEmitContext.Call(spec.OutputActivation.ToString(), output);
                }

                w.WriteLine($"{Builder}.Output({output}, \"output\", {Int(graph.Classes)});");
                w.WriteLine($"return {Builder};");
            }
        }
    }
}
