using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using StaticGrad.Generator.Graph;
using StaticGrad.Generator.Helpers;
using StaticGrad.Generator.Model;
using StaticGrad.Generator.Ops;

namespace StaticGrad.Generator;

internal sealed partial class ModelGenerator
{
    /// <summary>Turns a <see cref="ModelPlan"/> into the C# source of the model's partial class.</summary>
    internal static partial class Emitter
    {
        private const string Span = "global::System.Span<float>";
        private const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
        private const string Kernels = "global::StaticGrad.Kernels";
        private const string Guard = "global::StaticGrad.ModelGuard";

        // Private generated members: reserved names that no user member can take (SG0026 reports one that tries).
        private static readonly string Parameters = GeneratedNames.Private("Parameters");
        private static readonly string Arena = GeneratedNames.Private("Arena");
        private static readonly string ArenaFloatsPerSample = GeneratedNames.Private("ArenaFloatsPerSample");
        private static readonly string TrainStepCore = GeneratedNames.Private("TrainStepCore");
        private static readonly string TrainStepRunning = GeneratedNames.Private("TrainStepRunning");
        private static readonly string InferenceArenas = GeneratedNames.Private("InferenceArenas");
        private static readonly string InferenceFloatsPerSample = GeneratedNames.Private("InferenceFloatsPerSample");
        private static readonly string ForwardTraining = GeneratedNames.Private("ForwardTraining");
        private static readonly string Accumulation = GeneratedNames.Private("Accumulation");
        private static readonly string HeadWorkspace = GeneratedNames.Private("HeadWorkspace");

        public static string Emit(ModelPlan plan)
        {
            ModelGraph graph = plan.Graph;
            ModelSpec spec = graph.Spec;
            var w = new IndentedWriter();
            w.WriteGeneratedFile(GeneratedNames.DottedIdentifier(spec.Namespace), () => WriteClass(w, plan));
            return w.ToString();
        }

        private static void WriteClass(IndentedWriter w, ModelPlan plan)
        {
            ModelGraph graph = plan.Graph;
            ModelSpec spec = graph.Spec;
            WriteGraphComment(w, graph);
            string contract = Contract(spec) + (HasDropout(graph) ? ", global::StaticGrad.IStochasticModel" : string.Empty)
                + (HasModes(graph) ? ", global::StaticGrad.IModalModel" : string.Empty) + ", global::StaticGrad.Onnx.IOnnxExportable";
            using (w.WriteBlock($"partial class {GeneratedNames.Identifier(spec.TypeName)} : {contract}"))
            {
                WriteConstants(w, plan);
                WriteFields(w, plan);
                WriteConstructor(w, plan);
                WriteProperties(w, graph);
                WriteTrainStep(w, plan);
                WriteForward(w, plan);
                WritePredict(w, graph);
                WriteToOnnx(w, graph);
            }
        }

        private static void WriteGraphComment(IndentedWriter w, ModelGraph graph)
        {
            w.WriteLine("// Graph (B = batch, 1 to MaxBatch), after fusion:");
            w.WriteLine($"//   inputs {graph.Spec.InputShape}");
            foreach (Node node in graph.Nodes)
            {
                w.WriteLine($"//   -> {graph.MemberOf(node).ParameterName}: {Description(graph, node)} {node.Shape}");
            }

            LossSpec? loss = graph.Spec.Loss;
            if (loss is null)
            {
                string output = graph.Spec.HasRawOutputs ? "the raw values" : graph.Spec.OutputActivation != OutputActivation.None ? graph.Spec.OutputActivation.ToString() : "Sigmoid";
                w.WriteLine($"//   -> outputs: {output} of {graph.MemberOf(graph.Output).ParameterName} (inference only: no loss, no TrainStep)");
                return;
            }

            string reduction = loss.Reduction.ToString().ToLowerInvariant();
            string options = string.Empty;
            if (loss.Weights.Count > 0)
            {
                options += loss.IsBinaryCrossEntropy ? ", per-output weights" : ", class weights";
            }

            if (loss.PosWeight.Count > 0)
            {
                options += ", positive weights";
            }

            if (loss.TrainsOnClassIndices && loss.IgnoreIndex != LossSpec.DefaultIgnoreIndex)
            {
                options += $", ignore index {Int(loss.IgnoreIndex)}";
            }

            string description = loss.Kind switch
            {
                LossKind.Nll => $"LogSoftmax + NLL over {Int(graph.Classes)} classes, {reduction} reduction",
                LossKind.BinaryCrossEntropyWithLogits => $"sigmoid + binary cross-entropy over {Int(graph.Classes)} outputs, {reduction} reduction",
                LossKind.BinaryCrossEntropy => $"binary cross-entropy on the Sigmoid's probabilities over {Int(graph.Classes)} outputs, {reduction} reduction",
                LossKind.Mse => $"mean squared error over {Int(graph.Classes)} outputs, {reduction} reduction",
                LossKind.L1 => $"L1 (absolute) error over {Int(graph.Classes)} outputs, {reduction} reduction",
                LossKind.SmoothL1 => $"smooth L1 error (beta {Number(loss.Parameter)}) over {Int(graph.Classes)} outputs, {reduction} reduction",
                LossKind.Huber => $"Huber error (delta {Number(loss.Parameter)}) over {Int(graph.Classes)} outputs, {reduction} reduction",
                _ => $"softmax cross-entropy over {Int(graph.Classes)} classes{(loss.Targets == TargetsKind.Probabilities ? " (probability targets)" : string.Empty)}, {reduction} reduction, label smoothing {Number(loss.LabelSmoothing)}",
            };
            w.WriteLine($"//   -> {loss.MemberName}: {description}{options}");
        }

        /// <summary>
        /// A node as the graph comment and the summary describe it: its op, with the <c>state_dict</c> name of the member a
        /// branch reads (<c>from stem_bn, Conv2d(...)</c>) and of a skip connection's other input (<c>Add (with bn2)</c>).
        /// </summary>
        private static string Description(ModelGraph graph, Node node)
        {
            string skip = node.Inputs.Count > 1 ? $" (with {TensorName(graph, node.Inputs[1])})" : string.Empty;
            string from = node.Inputs[0] != node.Id - 1 && node.Id > 0 ? $"from {TensorName(graph, node.Inputs[0])}, " : string.Empty;
            return from + node.Op.Describe(node.InputShapes, node.Shape) + skip;
        }

        private static string TensorName(ModelGraph graph, int tensor)
            => tensor == ModelGraph.ModelInput ? ModelGraph.InputName : graph.MemberOf(graph.Nodes[tensor]).ParameterName;

        /// <summary>The contract the model implements; both training contracts extend <c>IInferenceModel</c>.</summary>
        private static string Contract(ModelSpec spec) => spec.Loss switch
        {
            null => "global::StaticGrad.IInferenceModel",
            { TrainsOnClassIndices: true } => "global::StaticGrad.IModel",
            _ => "global::StaticGrad.IProbabilityTargetModel",
        };

        private static void WriteConstants(IndentedWriter w, ModelPlan plan)
        {
            ModelGraph graph = plan.Graph;
            w.WriteLine("/// <summary>Input features per sample.</summary>");
            w.WriteLine($"public const int InputSize = {Int(graph.Spec.InputSize)};");
            w.WriteLine();
            w.WriteLine(graph.Spec.Loss is { Kind: LossKind.SoftmaxCrossEntropy or LossKind.Nll }
                ? "/// <summary>Outputs (classes) per sample.</summary>"
                : "/// <summary>Outputs per sample.</summary>");
            w.WriteLine($"public const int OutputSize = {Int(graph.Classes)};");
            w.WriteLine();
            w.WriteLine("/// <summary>Parameter scalars in all layers, trainable or frozen.</summary>");
            w.WriteLine($"public const int ParameterCount = {Int(graph.ParameterCount)};");
            w.WriteLine();

            w.WriteLine("// Parameters: one flat buffer in state_dict order; the gradients mirror its layout.");
            foreach (PlacedParameter parameter in AllParameters(graph))
            {
                w.WriteLine($"//   {parameter.Name} [{string.Join(", ", parameter.Decl.Shape.Select(Int))}] at {Int(parameter.Offset)}");
            }

            foreach (Node node in graph.Nodes)
            {
                foreach (PlacedParameter parameter in node.Parameters)
                {
                    w.WriteLine($"private const int {ParameterOffset(graph, node, parameter)} = {Int(parameter.Offset)};");
                }
            }

            if (AllBuffers(graph).Any())
            {
                w.WriteLine();
                w.WriteLine("// Buffers: state saved with the parameters but never trained; floats in one buffer, counters (I64) in another.");
                foreach (PlacedStateBuffer buffer in AllBuffers(graph))
                {
                    w.WriteLine($"//   {buffer.Name} [{string.Join(", ", buffer.Decl.Shape.Select(Int))}] {(buffer.Decl.IsCounter ? "I64" : "F32")} at {Int(buffer.Offset)}");
                }

                foreach (Node node in graph.Nodes)
                {
                    foreach (PlacedStateBuffer buffer in node.Buffers)
                    {
                        w.WriteLine($"private const int {BufferOffsetOf(graph, node, buffer)} = {Int(buffer.Offset)};");
                    }
                }
            }

            w.WriteLine();
            if (plan.Memory is { } memory)
            {
                int unshared = memory.Buffers.Sum(b => b.Buffer.FloatsPerSample);
                w.WriteLine("// Training arena (TrainStep): activations and their gradients, each [B, n] at offset * MaxBatch floats.");
                w.WriteLine($"// {Int(memory.FloatsPerSample)} floats per sample of MaxBatch ({Int(unshared)} without reuse): buffers of one size");
                w.WriteLine("// whose live steps (first write to last use) do not overlap share space, so each thread rewrites its own samples.");
                WriteArenaLayout(w, memory, BufferOffset);
                w.WriteLine($"private const int {ArenaFloatsPerSample} = {Int(memory.FloatsPerSample)};");
                w.WriteLine();
            }

            MemoryPlan inference = plan.InferenceMemory;
            if (inference.Buffers.Count > 0)
            {
                w.WriteLine("// Inference arena (Forward, Predict): hidden activations alone, each [B, n] at offset * B floats of an");
                w.WriteLine($"// arena rented for the call, so concurrent calls never share one. {Int(inference.FloatsPerSample)} floats per sample.");
                WriteArenaLayout(w, inference, InferenceBufferOffset);
                w.WriteLine($"private const int {InferenceFloatsPerSample} = {Int(inference.FloatsPerSample)};");
                w.WriteLine();
            }
        }

        private static void WriteArenaLayout(IndentedWriter w, MemoryPlan memory, System.Func<string, string> offsetName)
        {
            foreach (PlacedBuffer placed in memory.Buffers)
            {
                w.WriteLine($"//   {placed.Buffer.Name} {Shape(placed.Buffer.FloatsPerSample)} at {Int(placed.Offset)}, steps {Int(placed.FirstStep)}-{Int(placed.LastStep)}: {placed.Buffer.Description}");
            }

            foreach (PlacedBuffer placed in memory.Buffers)
            {
                w.WriteLine($"private const int {offsetName(placed.Buffer.Name)} = {Int(placed.Offset)};");
            }
        }

        private static void WriteFields(IndentedWriter w, ModelPlan plan)
        {
            ModelGraph graph = plan.Graph;
            w.WriteLine($"private readonly global::StaticGrad.ParameterSet {Parameters};");
            if (plan.Memory is not null)
            {
                w.WriteLine($"private readonly float[] {Arena};");
                w.WriteLine($"private int {TrainStepRunning};");
                w.WriteLine($"private float[]? {Accumulation};");
                WriteBackwardFields(w, plan);
            }

            if (HasFusedHead(plan))
            {
                w.WriteLine($"private readonly float[] {HeadWorkspace};");
            }

            if (plan.InferenceMemory.Buffers.Count > 0)
            {
                w.WriteLine($"private readonly global::StaticGrad.ArenaPool {InferenceArenas};");
            }

            if (HasDropout(graph))
            {
                w.WriteLine($"private readonly global::StaticGrad.Rng {OpEmitContext.DropoutGenerator};");
            }

            foreach (MemberSpec member in graph.Spec.Members)
            {
                w.WriteLine($"private readonly global::StaticGrad.{member.RuntimeType} {Field(member.MemberName)};");
            }

            if (graph.Spec.Loss is { } loss)
            {
                w.WriteLine($"private readonly global::StaticGrad.{loss.RuntimeTypeName} {Field(loss.MemberName)};");
            }

            w.WriteLine();
        }

        private static void WriteConstructor(IndentedWriter w, ModelPlan plan)
        {
            ModelGraph graph = plan.Graph;
            ModelSpec spec = graph.Spec;
            if (spec.HasUninitializedMembers)
            {
                w.WriteLine("// SG0040 reports the members of the class this constructor leaves null, at each member.");
                w.WriteLine("#pragma warning disable CS8618, CS9264");
            }

            bool normalizations = AllParameters(graph).Any(p => p.Decl.FanIn == 0);
            w.WriteLine("/// <summary>");
            w.WriteLine("/// Creates the model with PyTorch's default initialization, weights and biases drawn from");
            w.WriteLine(normalizations
                ? "/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) by a generator seeded with <paramref name=\"seed\"/> (normalization layers: weights 1, biases 0)."
                : "/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) by a generator seeded with <paramref name=\"seed\"/>.");
            w.WriteLine("/// </summary>");
            w.WriteLine(HasDropout(graph)
                ? "/// <param name=\"seed\">Equal seeds give equal initial weights and, from a second generator it also seeds, equal dropout masks.</param>"
                : "/// <param name=\"seed\">Equal seeds give equal initial weights.</param>");
            w.WriteLine("/// <param name=\"maxBatch\">The largest batch any call will pass; it sizes the activation arena.</param>");
            using (w.WriteBlock($"public {GeneratedNames.Identifier(spec.TypeName)}(int seed, int maxBatch = 256)"))
            {
                // The training arena holds every hidden output at once, so it is never smaller than the inference arena.
                string largestArena = plan.Memory is not null ? ArenaFloatsPerSample : plan.InferenceMemory.Buffers.Count > 0 ? InferenceFloatsPerSample : "0";
                w.WriteLine($"{Guard}.CheckMaxBatch(maxBatch, {largestArena});");
                w.WriteLine("MaxBatch = maxBatch;");
                bool hasBuffers = AllBuffers(graph).Any();
                using (w.WriteBlock($"{Parameters} = new global::StaticGrad.ParameterSet(new global::StaticGrad.ParameterTensor[]", hasBuffers ? "," : ");"))
                {
                    foreach (Node node in graph.Nodes)
                    {
                        foreach (PlacedParameter parameter in node.Parameters)
                        {
                            string shape = $"new[] {{ {string.Join(", ", parameter.Decl.Shape.Select(Int))} }}";
                            string offset = ParameterOffset(graph, node, parameter);
                            w.WriteLine(parameter.Decl.FanIn > 0
                                ? $"new global::StaticGrad.ParameterTensor(\"{parameter.Name}\", {offset}, {shape}, fanIn: {Int(parameter.Decl.FanIn)}),"
                                : $"global::StaticGrad.ParameterTensor.Constant(\"{parameter.Name}\", {offset}, {shape}, {Float(parameter.Decl.Constant)}),");
                        }
                    }
                }

                if (hasBuffers)
                {
                    using (w.WriteBlock("new global::StaticGrad.BufferTensor[]", ");"))
                    {
                        foreach (Node node in graph.Nodes)
                        {
                            foreach (PlacedStateBuffer buffer in node.Buffers)
                            {
                                string shape = buffer.Decl.Shape.Count == 0 ? "global::System.Array.Empty<int>()" : $"new[] {{ {string.Join(", ", buffer.Decl.Shape.Select(Int))} }}";
                                string type = buffer.Decl.IsCounter ? "Int64" : "Float32";
                                string initial = buffer.Decl.InitialValue.ToString("R", CultureInfo.InvariantCulture);
                                w.WriteLine($"new global::StaticGrad.BufferTensor(\"{buffer.Name}\", {BufferOffsetOf(graph, node, buffer)}, {shape}, global::StaticGrad.BufferElementType.{type}, {initial}),");
                            }
                        }
                    }
                }

                w.WriteLine($"{Parameters}.Initialize(new global::StaticGrad.Rng(unchecked((ulong)seed)));");
                if (HasDropout(graph))
                {
                    // A stream of its own, so that adding dropout leaves the initial weights of a seed unchanged.
                    w.WriteLine($"{OpEmitContext.DropoutGenerator} = new global::StaticGrad.Rng(unchecked((ulong)seed) ^ 0x9E3779B97F4A7C15UL);");
                }

                if (plan.Memory is not null)
                {
                    w.WriteLine($"{Arena} = new float[checked({ArenaFloatsPerSample} * maxBatch)];");
                }

                if (HasFusedHead(plan))
                {
                    w.WriteLine("// The fused head's class-block buffer: the training step's logits never exist whole.");
                    w.WriteLine($"{HeadWorkspace} = new float[{Kernels}.FusedLinearCrossEntropy.WorkspaceFloatsUpTo(maxBatch, OutputSize)];");
                }

                if (plan.InferenceMemory.Buffers.Count > 0)
                {
                    w.WriteLine($"{InferenceArenas} = new global::StaticGrad.ArenaPool(checked({InferenceFloatsPerSample} * maxBatch));");
                }

                for (int m = 0; m < spec.Members.Count; m++)
                {
                    w.WriteLine($"{Field(spec.Members[m].MemberName)} = {MemberConstruction(graph, m)};");
                }

                WriteSummaryConstruction(w, plan);

                if (spec.Loss is { } loss)
                {
                    w.WriteLine($"{Field(loss.MemberName)} = {LossConstruction(loss)};");
                }
            }

            if (spec.HasUninitializedMembers)
            {
                w.WriteLine("#pragma warning restore CS8618, CS9264");
            }

            w.WriteLine();
        }

        /// <summary>
        /// The model summary: one row per graph node (a fused activation is part of its producer's row, and so is the
        /// declared Softmax or LogSoftmax on the output, which is not a node).
        /// </summary>
        private static void WriteSummaryConstruction(IndentedWriter w, ModelPlan plan)
        {
            ModelGraph graph = plan.Graph;
            w.WriteLine($"Summary = new global::StaticGrad.ModelSummary({Literal(graph.Spec.TypeName)}, {ShapeArray(graph.Spec.InputShape)}, new global::StaticGrad.LayerSummary[]");
            string[] workspaces = graph.Nodes.Where(n => n.Op.HasWorkspace).Select(n => $"(long){Field(graph.MemberOf(n).MemberName)}.Workspace.Length").ToArray();
            string workspace = workspaces.Length > 0 ? ", " + string.Join(" + ", workspaces) : string.Empty;
            using (w.WriteBlock(null, $", maxBatch, {(plan.Memory is not null ? $"(long){ArenaFloatsPerSample} * maxBatch" : "0")}, {(plan.InferenceMemory.Buffers.Count > 0 ? $"(long){InferenceFloatsPerSample} * maxBatch" : "0")}{workspace});"))
            {
                foreach (Node node in graph.Nodes)
                {
                    string description = Description(graph, node)
                        + (node.Id == graph.Output.Id && graph.Spec.OutputActivation != OutputActivation.None ? ", " + graph.Spec.OutputActivation : string.Empty);
                    int parameters = node.Parameters.Sum(p => p.Decl.Length);
                    int buffers = node.Buffers.Sum(b => b.Decl.Length);
                    w.WriteLine($"new global::StaticGrad.LayerSummary({Literal(graph.MemberOf(node).ParameterName)}, {Literal(description)}, {ShapeArray(node.Shape)}, {Int(parameters)}, {Int(buffers)}),");
                }
            }
        }

        /// <summary>A per-sample shape as the summary takes it: <c>new[] { 6, 28, 28 }</c> or <c>new[] { 128 }</c>.</summary>
        private static string ShapeArray(TensorShape shape)
            => shape.IsImage
                ? $"new[] {{ {Int(shape.Channels)}, {Int(shape.Height)}, {Int(shape.Width)} }}"
                : $"new[] {{ {Int(shape.Features)} }}";

        private static void WriteProperties(IndentedWriter w, ModelGraph graph)
        {
            w.WriteLine("/// <summary>The largest batch the arena was sized for.</summary>");
            w.WriteLine("public int MaxBatch { get; }");
            w.WriteLine();
            w.WriteLine("/// <summary>All weights and biases in one flat buffer, and their gradients.</summary>");
            w.WriteLine($"public global::StaticGrad.ParameterSet Parameters => {Parameters};");
            w.WriteLine();
            w.WriteLine("/// <summary>The layers, output shapes, parameter counts and memory of the compiled model (torchinfo's <c>summary</c>).</summary>");
            w.WriteLine("public global::StaticGrad.ModelSummary Summary { get; }");
            w.WriteLine();
            if (HasDropout(graph))
            {
                w.WriteLine("/// <summary>The generator dropout masks are drawn from; save its state with a checkpoint to resume a run exactly.</summary>");
                w.WriteLine($"public global::StaticGrad.Rng DropoutGenerator => {OpEmitContext.DropoutGenerator};");
                w.WriteLine();
            }

            if (HasModes(graph))
            {
                w.WriteLine("/// <summary>");
                w.WriteLine("/// What <see cref=\"Forward\"/> and the <c>Predict</c> overloads compute, like PyTorch's <c>model.train()</c> and <c>model.eval()</c>:");
                w.WriteLine("/// <see cref=\"global::StaticGrad.ModelMode.Evaluation\"/> (the default) applies dropout as the identity and batch norm with");
                w.WriteLine("/// its running statistics; in <see cref=\"global::StaticGrad.ModelMode.Training\"/> they draw dropout masks from the model's");
                w.WriteLine("/// generator, normalize with the batch's statistics and update the running ones, use the training arena and so, like");
                w.WriteLine("/// TrainStep, run on one thread at a time. TrainStep always runs in training mode.");
                w.WriteLine("/// </summary>");
                w.WriteLine("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">The value is not a member of the enum.</exception>");
                w.WriteLine("public global::StaticGrad.ModelMode Mode");
                using (w.WriteBlock())
                {
                    w.WriteLine($"get => {GeneratedNames.Private("Mode")};");
                    w.WriteLine($"set => {GeneratedNames.Private("Mode")} = global::System.Enum.IsDefined(value) ? value : throw new global::System.ArgumentOutOfRangeException(nameof(value), value, \"Expected ModelMode.Evaluation or ModelMode.Training.\");");
                }

                w.WriteLine();
                w.WriteLine($"private global::StaticGrad.ModelMode {GeneratedNames.Private("Mode")};");
                w.WriteLine();
            }

            w.WriteLine("int global::StaticGrad.IInferenceModel.InputSize => InputSize;");
            w.WriteLine();
            w.WriteLine("int global::StaticGrad.IInferenceModel.OutputSize => OutputSize;");
            w.WriteLine();

            foreach (MemberSpec member in graph.Spec.Members)
            {
                w.WriteLine($"{Modifiers(member.Modifiers)}partial global::StaticGrad.{member.RuntimeType} {GeneratedNames.Identifier(member.MemberName)} {{ get => {Field(member.MemberName)}; }}");
                w.WriteLine();
            }

            if (graph.Spec.Loss is { } loss)
            {
                w.WriteLine($"{Modifiers(loss.Modifiers)}partial global::StaticGrad.{loss.RuntimeTypeName} {GeneratedNames.Identifier(loss.MemberName)} {{ get => {Field(loss.MemberName)}; }}");
                w.WriteLine();
                w.WriteLine("/// <summary>How the loss reduces over a batch.</summary>");
                w.WriteLine($"public global::StaticGrad.Reduction LossReduction => global::StaticGrad.Reduction.{loss.Reduction};");
                w.WriteLine();
                if (loss.TrainsOnClassIndices)
                {
                    w.WriteLine("/// <summary>The label the loss skips (PyTorch's <c>ignore_index</c>).</summary>");
                    w.WriteLine($"public int LossIgnoreIndex => {OpEmitContext.Int(loss.IgnoreIndex)};");
                    w.WriteLine();
                }
                else
                {
                    w.WriteLine("/// <inheritdoc cref=\"global::StaticGrad.IProbabilityTargetModel.EvaluateLoss\"/>");
                    using (w.WriteBlock($"public float EvaluateLoss({ReadOnlySpan} outputs, {ReadOnlySpan} targets, int batch)"))
                    {
                        // Checked here so that an exception names this method's parameters, not the loss's.
                        w.WriteLine($"{Guard}.CheckBatch(batch, MaxBatch);");
                        w.WriteLine($"{Guard}.CheckLength(outputs.Length, batch, OutputSize, nameof(outputs));");
                        w.WriteLine($"{Guard}.CheckLength(targets.Length, batch, OutputSize, nameof(targets));");
                        w.WriteLine($"return {Field(loss.MemberName)}.Evaluate(outputs, targets, batch);");
                    }

                    w.WriteLine();
                }
            }
        }

        private static void WriteTrainStep(IndentedWriter w, ModelPlan plan)
        {
            ModelSpec spec = plan.Graph.Spec;
            if (spec.Loss is not { } loss)
            {
                string message = $"Model '{spec.TypeName}' declares no loss, so it is inference-only and has no TrainStep; add a loss member after its last layer to train it.";
                WriteMismatchedTrainStep(w, classIndices: true, message);
                WriteMismatchedTrainStep(w, classIndices: false, message);
                WriteUnavailableBackward(w, $"Model '{spec.TypeName}' declares no loss, so it is inference-only and has no training arena for ForwardForBackward and Backward; add a loss member after its last layer (any loss: Backward replaces its gradient with yours) to train it with a loss of your own.");
                return;
            }

            bool indices = loss.TrainsOnClassIndices;
            string targets = indices ? "labels" : "targets";
            string targetsType = indices ? "global::System.ReadOnlySpan<int>" : ReadOnlySpan;
            string lossesPerSample = loss.IsElementwise ? "batch * OutputSize" : "batch";
            (string, string) what = loss.Kind switch
            {
                LossKind.Nll => ("fused LogSoftmax", "+ NLL"),
                LossKind.BinaryCrossEntropyWithLogits => ("fused sigmoid", "+ binary cross-entropy"),
                LossKind.BinaryCrossEntropy => ("the binary cross-entropy of the Sigmoid's", "probabilities with its gradient,"),
                _ when loss.IsRegression => ($"the {loss.AttributeName} fused with its gradient", "over every output"),
                _ => ("fused softmax", "cross-entropy"),
            };
            string signature = $"{ReadOnlySpan} inputs, {targetsType} {targets}";
            bool withLosses = loss.Reduction == ReductionKind.None;
            string noLosses = withLosses ? $"{Span}.Empty, " : string.Empty;
            WriteTrainStepDocs(w, plan.Graph, what, perSampleLosses: false);
            w.WriteLine($"public float TrainStep({signature}, int batch) => {TrainStepCore}(inputs, {targets}, {noLosses}{Parameters}.Gradients, batch);");
            w.WriteLine();
            if (withLosses)
            {
                WriteTrainStepDocs(w, plan.Graph, what, perSampleLosses: true);
                using (w.WriteBlock($"public float TrainStep({signature}, {Span} losses, int batch)"))
                {
                    w.WriteLine($"{Guard}.CheckBatch(batch, MaxBatch);");
                    w.WriteLine($"{Guard}.CheckLength(losses.Length, batch, {(loss.IsElementwise ? "OutputSize" : "1")}, nameof(losses));");
                    w.WriteLine($"{Guard}.CheckLength(inputs.Length, batch, InputSize, nameof(inputs));");
                    w.WriteLine($"{Guard}.CheckDisjoint(inputs.Slice(0, batch * InputSize), losses.Slice(0, {lossesPerSample}), nameof(inputs), nameof(losses));");
                    if (!indices)
                    {
                        w.WriteLine($"{Guard}.CheckLength(targets.Length, batch, OutputSize, nameof(targets));");
                        w.WriteLine($"{Guard}.CheckDisjoint(targets.Slice(0, batch * OutputSize), losses.Slice(0, {lossesPerSample}), nameof(targets), nameof(losses));");
                    }

                    w.WriteLine($"return {TrainStepCore}(inputs, {targets}, losses.Slice(0, {lossesPerSample}), {Parameters}.Gradients, batch);");
                }

                w.WriteLine();
            }

            WriteAccumulateGradients(w, plan, signature, targets, noLosses);
            WriteBackwardPair(w, plan);
            WriteBackwardSteps(w, plan);
            w.WriteLine("/// <summary>The training step: writes the parameter gradients into <paramref name=\"gradients\"/> (the parameter set's, or the accumulation buffer).</summary>");
            string losses = withLosses ? $"{Span} losses, " : string.Empty;
            using (w.WriteBlock($"private float {TrainStepCore}({signature}, {losses}{Span} gradients, int batch)"))
            {
                WriteTrainStepBody(w, plan, withLosses);
            }

            string mismatch = indices
                ? $"Model '{spec.TypeName}' is trained on class indices (its loss '{loss.MemberName}' is [{loss.AttributeName}]); pass the labels as int class indices. For float targets declare [SoftmaxCrossEntropy(Targets = TargetKind.Probabilities)] or [BinaryCrossEntropyWithLogits]."
                : loss.IsElementwise
                    ? $"Model '{spec.TypeName}' is trained with [{loss.AttributeName}] (loss '{loss.MemberName}') on float targets{(loss.IsRegression ? string.Empty : " in [0, 1]")}, {Int(plan.Graph.Classes)} per sample; convert the labels to floats."
                    : $"Model '{spec.TypeName}' is trained on class probabilities (its loss '{loss.MemberName}' has Targets = TargetKind.Probabilities); pass float targets, {Int(plan.Graph.Classes)} per sample. For int class indices remove Targets = TargetKind.Probabilities.";
            WriteMismatchedTrainStep(w, classIndices: !indices, mismatch);
        }

        /// <summary>
        /// <c>AccumulateGradients</c>: the training step with its gradients computed into a buffer of the model's own
        /// (allocated on the first call) and then added, scaled, to the parameter set's.
        /// </summary>
        private static void WriteAccumulateGradients(IndentedWriter w, ModelPlan plan, string signature, string targets, string noLosses)
        {
            LossSpec loss = plan.Graph.Spec.Loss!;
            w.WriteLine("/// <summary>");
            w.WriteLine("/// Forward, loss and backward on the first <paramref name=\"batch\"/> samples, adding <paramref name=\"scale\"/> times their");
            w.WriteLine("/// gradients to those in <see cref=\"Parameters\"/> (PyTorch's <c>(loss * scale).backward()</c> without <c>zero_grad()</c>).");
            w.WriteLine("/// Clear the gradients first with <c>Parameters.ZeroGradients()</c>; with a mean loss, micro-batches of sizes b_i scaled");
            w.WriteLine("/// by b_i / B add up to the gradients of one batch of B. The first call allocates the model's accumulation buffer.");
            w.WriteLine("/// </summary>");
            w.WriteLine("/// <param name=\"inputs\">At least <c>batch * InputSize</c> features, row-major.</param>");
            w.WriteLine(loss.TrainsOnClassIndices
                ? "/// <param name=\"labels\">At least <c>batch</c> class indices (or the ignore index); checked before anything is touched.</param>"
                : "/// <param name=\"targets\">At least <c>batch * OutputSize</c> targets, row-major.</param>");
            w.WriteLine($"/// <param name=\"batch\">Samples in this micro-batch, {BatchRange(plan.Graph, training: true)}.</param>");
            w.WriteLine("/// <param name=\"scale\">The weight of this micro-batch's gradients; finite.</param>");
            w.WriteLine("/// <returns>This micro-batch's loss, unscaled.</returns>");
            WriteTrainingExceptions(w, loss.TrainsOnClassIndices ? "labels" : "targets", losses: null, scale: true);
            using (w.WriteBlock($"public float AccumulateGradients({signature}, int batch, float scale)"))
            {
                w.WriteLine($"{Guard}.CheckScale(scale);");
                w.WriteLine($"float[] accumulation = {Accumulation} ??= new float[ParameterCount];");
                w.WriteLine($"float loss = {TrainStepCore}(inputs, {targets}, {noLosses}accumulation, batch);");
                w.WriteLine($"{Parameters}.AddScaledGradients(accumulation, scale); // the trainable tensors' only: the buffer holds a frozen tensor's stale gradient");
                w.WriteLine("return loss;");
            }

            w.WriteLine();
        }

        private static void WriteTrainStepDocs(IndentedWriter w, ModelGraph graph, (string First, string Second) what, bool perSampleLosses)
        {
            LossSpec loss = graph.Spec.Loss!;
            bool updatesRunningStatistics = AllBuffers(graph).Any(b => !b.Decl.IsCounter);
            w.WriteLine("/// <summary>");
            w.WriteLine($"/// One training step on the first <paramref name=\"batch\"/> samples: forward, {what.First}");
            w.WriteLine($"/// {what.Second} and backward. Overwrites the gradients in <see cref=\"Parameters\"/> (like");
            w.WriteLine("/// <c>zero_grad()</c> then <c>backward()</c>); an optimizer's <c>Step()</c> then applies them.");
            if (loss.Reduction == ReductionKind.None)
            {
                w.WriteLine("/// With <c>Reduction.None</c> the per-sample losses are back-propagated as their sum (an upstream gradient of ones).");
            }

            w.WriteLine("/// </summary>");
            w.WriteLine("/// <param name=\"inputs\">At least <c>batch * InputSize</c> features, row-major.</param>");
            if (loss.TrainsOnClassIndices)
            {
                string ignore = loss.IgnoreIndex == LossSpec.DefaultIgnoreIndex ? "the ignore index -100" : $"the ignore index {Int(loss.IgnoreIndex)}";
                w.WriteLine($"/// <param name=\"labels\">At least <c>batch</c> class indices in [0, OutputSize), or {ignore}; checked before anything is touched.</param>");
            }
            else if (loss.IsBinaryCrossEntropy)
            {
                w.WriteLine("/// <param name=\"targets\">At least <c>batch * OutputSize</c> targets in [0, 1], row-major.</param>");
            }
            else if (loss.IsRegression)
            {
                w.WriteLine("/// <param name=\"targets\">At least <c>batch * OutputSize</c> float targets, row-major.</param>");
            }
            else
            {
                w.WriteLine("/// <param name=\"targets\">At least <c>batch * OutputSize</c> class probabilities, row-major.</param>");
            }

            if (perSampleLosses)
            {
                string count = loss.IsElementwise ? "<c>batch * OutputSize</c> elements: each element's" : "<c>batch</c> elements: each sample's";
                w.WriteLine($"/// <param name=\"losses\">Receives at least {count} unreduced loss.</param>");
            }

            w.WriteLine($"/// <param name=\"batch\">Samples in this step, {BatchRange(graph, training: true)}.</param>");
            w.WriteLine(loss.Reduction == ReductionKind.None ? "/// <returns>The sum of the per-sample losses.</returns>" : "/// <returns>The loss of the batch.</returns>");
            w.WriteLine("/// <remarks>One thread at a time per instance: a call while another thread is inside TrainStep of the same");
            w.WriteLine(updatesRunningStatistics
                ? "/// instance throws <see cref=\"global::System.InvalidOperationException\"/>. It updates batch norm's running statistics, which Forward and Predict read in eval mode: do not run them alongside it.</remarks>"
                : HasModes(graph)
                    ? "/// instance throws <see cref=\"global::System.InvalidOperationException\"/>. Forward and Predict in evaluation mode may run alongside it.</remarks>"
                    : "/// instance throws <see cref=\"global::System.InvalidOperationException\"/>. Forward and Predict may run alongside it.</remarks>");
            WriteTrainingExceptions(w, loss.TrainsOnClassIndices ? "labels" : "targets", perSampleLosses ? "losses" : null);
        }

        private static void WriteTrainStepBody(IndentedWriter w, ModelPlan plan, bool withLosses)
        {
            ModelGraph graph = plan.Graph;
            LossSpec loss = graph.Spec.Loss!;
            WriteInputChecks(w);
            if (loss.TrainsOnClassIndices)
            {
                w.WriteLine($"{Guard}.CheckLength(labels.Length, batch, nameof(labels));");
                w.WriteLine("labels = labels.Slice(0, batch);");
                w.WriteLine($"{Field(loss.MemberName)}.ValidateLabels(labels);");
            }
            else
            {
                w.WriteLine($"{Guard}.CheckLength(targets.Length, batch, OutputSize, nameof(targets));");
                w.WriteLine("targets = targets.Slice(0, batch * OutputSize);");
            }

            WriteBatchCheck(w, graph, training: true);
            w.WriteLine();
            w.WriteLine($"{Guard}.EnterTrainStep(ref {TrainStepRunning}, nameof({GeneratedNames.Identifier(graph.Spec.TypeName)}));");
            using (w.WriteBlock("try"))
            {
                WriteForgetForward(w);
                WriteTrainingPass(w, plan, readOnlyParameters: false, w =>
                {
                    Schedule training = plan.Training!;
                    int lossIndex = LossStepIndex(training);
                    for (int s = 0; s <= lossIndex; s++)
                    {
                        WriteStep(w, graph, training.Steps[s], s, withLosses, training: true);
                    }

                    WriteBackwardStepsCall(w, plan);
                    w.WriteLine();
                    w.WriteLine("return loss;");
                });
            }

            using (w.WriteBlock("finally"))
            {
                w.WriteLine($"{Guard}.ExitTrainStep(ref {TrainStepRunning});");
            }
        }

        /// <summary>
        /// A <c>TrainStep</c> overload for the target kind the model's loss does not take, so that calling it is a
        /// compile error with StaticGrad's ID (SG0021) and a message that says what to pass instead.
        /// </summary>
        private static void WriteMismatchedTrainStep(IndentedWriter w, bool classIndices, string message)
        {
            string targets = classIndices ? "global::System.ReadOnlySpan<int> labels" : $"{ReadOnlySpan} targets";
            string literal = Literal(message);
            w.WriteLine("/// <summary>Not available for this model: calling it is compile error SG0021, whose message says what to pass.</summary>");
            w.WriteLine("/// <param name=\"inputs\">Unused.</param>");
            w.WriteLine(classIndices ? "/// <param name=\"labels\">Unused.</param>" : "/// <param name=\"targets\">Unused.</param>");
            w.WriteLine("/// <param name=\"batch\">Unused.</param>");
            w.WriteLine("/// <returns>Never returns.</returns>");
            w.WriteLine($"[global::System.Obsolete({literal}, error: true, DiagnosticId = \"{Diagnostics.TargetKindMismatch.Id}\", UrlFormat = \"{Diagnostics.TargetKindMismatch.HelpLinkUri}\")]");
            w.WriteLine("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
            w.WriteLine($"public float TrainStep({ReadOnlySpan} inputs, {targets}, int batch) => throw new global::System.NotSupportedException({literal});");
            w.WriteLine();
        }

        private static void WriteForward(IndentedWriter w, ModelPlan plan)
        {
            ModelGraph graph = plan.Graph;
            ModelSpec spec = graph.Spec;
            bool raw = spec.Loss is { Kind: not LossKind.Nll } || spec.HasRawOutputs;
            string name = raw ? plan.Inference.OutputBuffer : "outputs";
            string values = raw
                ? spec.Loss is null ? "outputs (the last layer's values as they are)"
                    : spec.Loss.IsRegression ? "predictions"
                    : spec.Loss.Kind == LossKind.BinaryCrossEntropy ? "probabilities (the Sigmoid of the last layer)"
                    : "logits"
                : spec.OutputActivation switch
            {
                OutputActivation.LogSoftmax => "log-probabilities (the LogSoftmax of the last layer)",
                OutputActivation.Softmax => "class probabilities (the Softmax of the last layer)",
                _ => "probabilities (the Sigmoid of the last layer)",
            };
            w.WriteLine($"/// <summary>Computes the {values} of the first <paramref name=\"batch\"/> samples.</summary>");
            w.WriteLine("/// <param name=\"inputs\">At least <c>batch * InputSize</c> features, row-major.</param>");
            w.WriteLine($"/// <param name=\"{name}\">Receives <c>batch * OutputSize</c> {(raw ? values : "values")}, row-major.</param>");
            // Batch norm on batch statistics (training mode) needs more samples than on its running ones.
            bool trainingNeedsMore = HasModes(graph) && StrictestBatch(graph, training: true).Minimum > StrictestBatch(graph, training: false).Minimum;
            string trainingRange = trainingNeedsMore ? $"; in <see cref=\"global::StaticGrad.ModelMode.Training\"/>, {BatchRange(graph, training: true)}" : string.Empty;
            w.WriteLine($"/// <param name=\"batch\">Samples, {BatchRange(graph, training: false)}{trainingRange}.</param>");
            if (HasModes(graph))
            {
                w.WriteLine("/// <remarks>In evaluation mode (the default), thread-safe: any number of threads may call Forward and Predict on one instance at");
                w.WriteLine("/// once (each call rents its own activation arena), as long as no optimizer step, weight load or TrainStep changes the");
                w.WriteLine("/// parameters or running statistics meanwhile. In <see cref=\"global::StaticGrad.ModelMode.Training\"/> a call uses the training");
                w.WriteLine("/// arena: one thread at a time per instance, as TrainStep (a second thread throws <see cref=\"global::System.InvalidOperationException\"/>).</remarks>");
            }
            else
            {
                w.WriteLine("/// <remarks>Thread-safe: any number of threads may call Forward and Predict on one instance at once (each call");
                w.WriteLine("/// rents its own activation arena), as long as no optimizer step or weight load changes the parameters meanwhile.</remarks>");
            }
            using (w.WriteBlock($"public void Forward({ReadOnlySpan} inputs, {Span} {name}, int batch)"))
            {
                WriteInputChecks(w);
                w.WriteLine($"{Guard}.CheckLength({name}.Length, batch, OutputSize, nameof({name}));");
                w.WriteLine($"{name} = {name}.Slice(0, batch * OutputSize);");
                w.WriteLine($"{Guard}.CheckDisjoint(inputs, {name}, nameof(inputs), nameof({name}));");
                string last = plan.Inference.OutputBuffer;
                if (last != name)
                {
                    w.WriteLine($"{Span} {last} = {name};");
                }

                if (HasModes(graph) && plan.Training is not null)
                {
                    using (w.WriteBlock("if (Mode == global::StaticGrad.ModelMode.Training)"))
                    {
                        w.WriteLine($"{ForwardTraining}(inputs, {name}, batch);");
                        w.WriteLine("return;");
                    }

                    w.WriteLine();
                }

                WriteBatchCheck(w, graph, training: false);
                w.WriteLine($"{ReadOnlySpan} parameters = {Parameters}.Values;");
                WriteBufferLocals(w, graph);
                if (plan.InferenceMemory.Buffers.Count == 0)
                {
                    WriteForwardSteps(w, plan, name, last);
                }
                else
                {
                    w.WriteLine($"float[] arena = {InferenceArenas}.Rent();");
                    using (w.WriteBlock("try"))
                    {
                        foreach (PlacedBuffer placed in plan.InferenceMemory.Buffers)
                        {
                            WriteArenaSlice(w, placed.Buffer, "arena", InferenceBufferOffset(placed.Buffer.Name), "batch");
                        }

                        WriteForwardSteps(w, plan, name, last);
                    }

                    using (w.WriteBlock("finally"))
                    {
                        w.WriteLine($"{InferenceArenas}.Return(arena);");
                    }
                }
            }

            if (HasModes(graph) && plan.Training is not null)
            {
                WriteForwardTraining(w, plan);
            }

            w.WriteLine();
        }

        /// <summary>Forward in training mode: the training schedule's forward steps in the training arena, guarded like TrainStep.</summary>
        private static void WriteForwardTraining(IndentedWriter w, ModelPlan plan)
        {
            ModelGraph graph = plan.Graph;
            w.WriteLine();
            using (w.WriteBlock($"private void {ForwardTraining}({ReadOnlySpan} inputs, {Span} destination, int batch)"))
            {
                WriteBatchCheck(w, graph, training: true);
                w.WriteLine($"{Guard}.EnterTrainStep(ref {TrainStepRunning}, nameof({GeneratedNames.Identifier(graph.Spec.TypeName)}));");
                using (w.WriteBlock("try"))
                {
                    WriteForgetForward(w);
                    WriteTrainingPass(w, plan, readOnlyParameters: true, w =>
                    {
                        int s = 0;
                        foreach (Step step in plan.Training!.Steps.TakeWhile(step => step.Kind == StepKind.Forward))
                        {
                            WriteStep(w, graph, step, s++, withLosses: false, training: true);
                        }

                        w.WriteLine();
                        if (HasFusedHead(plan))
                        {
                            // The training schedule has no head forward (the fused step replaces it): the head writes the caller's span.
                            WriteStep(w, graph, HeadForward(plan, "destination"), s++, withLosses: false, training: true);
                        }
                        else
                        {
                            w.WriteLine($"{Kernels}.Elementwise.Copy({plan.Training.OutputBuffer}, destination, batch * OutputSize);");
                        }

                        if (graph.Spec.OutputActivation != OutputActivation.None)
                        {
                            w.WriteLine($"{Kernels}.{graph.Spec.OutputActivation}.Rows(destination, batch, OutputSize);");
                        }
                    });
                }

                using (w.WriteBlock("finally"))
                {
                    w.WriteLine($"{Guard}.ExitTrainStep(ref {TrainStepRunning});");
                }
            }
        }

        /// <summary>
        /// The <c>batch</c> range of a pass for the docs: from 1, or from the smallest batch its batch norms take on batch
        /// statistics (the bound <see cref="WriteBatchCheck"/> writes), to <c>MaxBatch</c>.
        /// </summary>
        private static string BatchRange(ModelGraph graph, bool training)
        {
            int minimum = StrictestBatch(graph, training).Minimum;
            return minimum > 1
                ? $"{Int(minimum)} to <see cref=\"MaxBatch\"/> (batch norm on the batch's statistics needs more than one value per channel, as in PyTorch)"
                : "1 to <see cref=\"MaxBatch\"/>";
        }

        /// <summary>The exceptions of a training pass's checks, which run before it changes anything.</summary>
        private static void WriteTrainingExceptions(IndentedWriter w, string targets, string? losses, bool scale = false)
        {
            string spans = losses is null ? $"<paramref name=\"inputs\"/> or <paramref name=\"{targets}\"/>" : $"<paramref name=\"inputs\"/>, <paramref name=\"{targets}\"/> or <paramref name=\"{losses}\"/>";
            string label = targets == "labels" ? ", or a label is outside [0, OutputSize) and is not the ignore index" : string.Empty;
            w.WriteLine($"/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"batch\"/> is outside its range{label}{(scale ? ", or <paramref name=\"scale\"/> is not finite" : string.Empty)}.</exception>");
            w.WriteLine($"/// <exception cref=\"global::System.ArgumentException\">{spans} holds fewer values than <paramref name=\"batch\"/> needs.</exception>");
            w.WriteLine("/// <exception cref=\"global::System.InvalidOperationException\">Another thread is training this instance.</exception>");
        }

        /// <summary>The op that needs the largest batch in a pass (batch norm on batch statistics), and that batch; 1 when none needs more.</summary>
        private static (Node? Node, int Minimum) StrictestBatch(ModelGraph graph, bool training)
        {
            int Minimum(Node node) => training ? node.Op.MinimumTrainingBatch(node.InputShapes) : node.Op.MinimumInferenceBatch(node.InputShapes);
            Node? strictest = graph.Nodes.OrderByDescending(Minimum).FirstOrDefault();
            return strictest is null ? (null, 1) : (strictest, System.Math.Max(1, Minimum(strictest)));
        }

        /// <summary>
        /// The batch size check of a pass whose ops need more than one sample (batch norm on batch statistics, as in
        /// PyTorch), written before the pass takes the model, so that a refused call changes nothing.
        /// </summary>
        private static void WriteBatchCheck(IndentedWriter w, ModelGraph graph, bool training)
        {
            (Node? strictest, int minimum) = StrictestBatch(graph, training);
            if (strictest is not null && minimum > 1)
            {
                string layer = $"{graph.MemberOf(strictest).ParameterName} ({strictest.Op.Name})";
                TensorShape input = strictest.InputShapes[0];

                // The message shows the layer's input size as PyTorch does: [B, C, H, W] for an image, not its flat features.
                string size = input.IsImage ? $"{Int(input.Channels)}, {Int(input.Height)}, {Int(input.Width)}" : Int(input.Features);
                w.WriteLine($"{Guard}.CheckMinimumBatch(batch, {Int(minimum)}, {Literal(layer)}, {size});");
            }
        }

        /// <summary>The spans of the model's buffers, for the ops that read or update them.</summary>
        private static void WriteBufferLocals(IndentedWriter w, ModelGraph graph)
        {
            if (AllBuffers(graph).Any(b => !b.Decl.IsCounter))
            {
                w.WriteLine($"{ReadOnlySpan} buffers = {Parameters}.BufferValues;");
            }
        }

        private static bool HasModes(ModelGraph graph) => graph.Nodes.Any(n => n.Op.DependsOnMode) && !graph.Spec.IsInferenceOnly;

        private static void WriteForwardSteps(IndentedWriter w, ModelPlan plan, string name, string last)
        {
            ModelGraph graph = plan.Graph;
            OutputActivation output = graph.Spec.OutputActivation;
            int s = 0;
            foreach (Step step in plan.Inference.Steps)
            {
                WriteStep(w, graph, step, s++, withLosses: false, training: false);
            }

            if (output != OutputActivation.None)
            {
                w.WriteLine();
                w.WriteLine($"// Step {Int(s)}, output activation: {name} {Shape(graph.Classes)} = {output}({last}) row by row.");
                w.WriteLine($"{Kernels}.{output}.Rows({name}, batch, OutputSize);");
            }
        }

        private static void WritePredict(IndentedWriter w, ModelGraph graph)
        {
            ModelSpec spec = graph.Spec;
            if (spec.Loss is { IsRegression: true } || spec.HasRawOutputs)
            {
                string kind = spec.HasRawOutputs ? "a model with raw outputs" : "a regression model";
                w.WriteLine($"/// <summary>Computes the predictions of the first <paramref name=\"batch\"/> samples: for {kind}, <see cref=\"Forward\"/>.</summary>");
                w.WriteLine("/// <param name=\"inputs\">At least <c>batch * InputSize</c> features, row-major.</param>");
                w.WriteLine("/// <param name=\"probabilities\">Receives <c>batch * OutputSize</c> predictions, row-major.</param>");
                w.WriteLine("/// <param name=\"batch\">Samples, 1 to <see cref=\"MaxBatch\"/>.</param>");
                using (w.WriteBlock($"public void Predict({ReadOnlySpan} inputs, {Span} probabilities, int batch)"))
                {
                    WritePredictChecks(w);
                    w.WriteLine("Forward(inputs, probabilities, batch);");
                }

                return;
            }

            bool sigmoid = spec.Loss is { IsBinaryCrossEntropy: true } || (spec.IsInferenceOnly && spec.OutputActivation == OutputActivation.None);
            string summary = sigmoid
                ? "Computes the probability of each output (the sigmoid of the logits) of the first <paramref name=\"batch\"/> samples."
                : "Computes class probabilities (the softmax of the logits) of the first <paramref name=\"batch\"/> samples.";
            w.WriteLine($"/// <summary>{summary}</summary>");
            w.WriteLine("/// <param name=\"inputs\">At least <c>batch * InputSize</c> features, row-major.</param>");
            w.WriteLine("/// <param name=\"probabilities\">Receives <c>batch * OutputSize</c> probabilities, row-major.</param>");
            w.WriteLine("/// <param name=\"batch\">Samples, 1 to <see cref=\"MaxBatch\"/>.</param>");
            using (w.WriteBlock($"public void Predict({ReadOnlySpan} inputs, {Span} probabilities, int batch)"))
            {
                WritePredictChecks(w);
                w.WriteLine("Forward(inputs, probabilities, batch);");
                if (spec.Loss?.Kind == LossKind.BinaryCrossEntropyWithLogits)
                {
                    w.WriteLine($"{Kernels}.Sigmoid.Apply(probabilities.Slice(0, batch * OutputSize));");
                }
                else if (!sigmoid && !(spec.IsInferenceOnly && spec.OutputActivation == OutputActivation.Softmax))
                {
                    w.WriteLine($"{Kernels}.Softmax.Rows(probabilities.Slice(0, batch * OutputSize), batch, OutputSize);");
                }
            }

            if (sigmoid && graph.Classes != 1)
            {
                return;
            }

            w.WriteLine();
            w.WriteLine("/// <summary>Classifies one sample.</summary>");
            w.WriteLine("/// <param name=\"input\"><c>InputSize</c> features.</param>");
            if (sigmoid)
            {
                w.WriteLine("/// <param name=\"probabilities\">Receives the probability of class 1.</param>");
                w.WriteLine("/// <returns>1 when that probability exceeds 0.5 (a positive logit), else 0.</returns>");
            }
            else
            {
                w.WriteLine("/// <param name=\"probabilities\">Receives <c>OutputSize</c> class probabilities.</param>");
                w.WriteLine("/// <returns>The most probable class.</returns>");
            }

            using (w.WriteBlock($"public int Predict({ReadOnlySpan} input, {Span} probabilities)"))
            {
                // Checked here, not by the batched Predict, so that an exception names this method's parameters.
                w.WriteLine($"{Guard}.CheckLength(input.Length, InputSize, nameof(input));");
                w.WriteLine($"{Guard}.CheckLength(probabilities.Length, OutputSize, nameof(probabilities));");
                w.WriteLine($"{Guard}.CheckDisjoint(input.Slice(0, InputSize), probabilities.Slice(0, OutputSize), nameof(input), nameof(probabilities));");
                w.WriteLine("Predict(input, probabilities, 1);");
                w.WriteLine(sigmoid
                    ? "return probabilities[0] > 0.5f ? 1 : 0;"
                    : $"return {Kernels}.ArgMax.Row(probabilities.Slice(0, OutputSize));");
            }
        }

        /// <summary>
        /// The batched Predict's own argument checks, before it calls Forward: Forward's would name Forward's parameters
        /// (<c>logits</c> for <c>probabilities</c>), not the ones the caller passed.
        /// </summary>
        private static void WritePredictChecks(IndentedWriter w)
        {
            w.WriteLine($"{Guard}.CheckBatch(batch, MaxBatch);");
            w.WriteLine($"{Guard}.CheckLength(inputs.Length, batch, InputSize, nameof(inputs));");
            w.WriteLine($"{Guard}.CheckLength(probabilities.Length, batch, OutputSize, nameof(probabilities));");
            w.WriteLine($"{Guard}.CheckDisjoint(inputs.Slice(0, batch * InputSize), probabilities.Slice(0, batch * OutputSize), nameof(inputs), nameof(probabilities));");
        }

        private static void WriteInputChecks(IndentedWriter w)
        {
            w.WriteLine($"{Guard}.CheckBatch(batch, MaxBatch);");
            w.WriteLine($"{Guard}.CheckLength(inputs.Length, batch, InputSize, nameof(inputs));");
            w.WriteLine("inputs = inputs.Slice(0, batch * InputSize);");
        }

        /// <summary>A buffer's span: its per-sample offset constant scaled by <paramref name="scale"/> (the arena's batch capacity).</summary>
        private static void WriteArenaSlice(IndentedWriter w, BufferSpec buffer, string arena, string offset, string scale)
            => w.WriteLine($"{Span} {buffer.Name} = new {Span}({arena}, {offset} * {scale}, batch * {Int(buffer.FloatsPerSample)});");

        private static void WriteStep(IndentedWriter w, ModelGraph graph, Step step, int index, bool withLosses, bool training)
        {
            w.WriteLine();
            switch (step.Kind)
            {
                case StepKind.Forward:
                case StepKind.Backward:
                    Node node = graph.Nodes[step.Node];
                    string member = graph.MemberOf(node).ParameterName;
                    bool forward = step.Kind == StepKind.Forward;
                    w.WriteLine($"// Step {Int(index)}, {member} {node.Op.Name} {(forward ? "forward" : $"backward, from {step.OutputGradient} {node.Shape}")}:");
                    OpEmitContext context = ContextFor(w, graph, node, step);
                    if (forward)
                    {
                        node.Op.EmitForward(context, training);
                    }
                    else
                    {
                        node.Op.EmitBackward(context);
                    }

                    break;

                case StepKind.Loss:
                    LossSpec loss = graph.Spec.Loss!;
                    string fusedLoss = loss.Kind switch
                    {
                        LossKind.Nll => "fused LogSoftmax + NLL (softmax cross-entropy on the pre-LogSoftmax logits, no log-probabilities buffer)",
                        LossKind.BinaryCrossEntropyWithLogits => "fused sigmoid + binary cross-entropy, element by element",
                        LossKind.BinaryCrossEntropy => "binary cross-entropy on the Sigmoid's probabilities, element by element (not fused: the Sigmoid's backward follows)",
                        _ when loss.IsRegression => $"{loss.AttributeName}, element by element",
                        _ => loss.Targets == TargetsKind.Probabilities ? "fused softmax cross-entropy against class probabilities" : "fused softmax cross-entropy",
                    };
                    string output = step.Output;
                    w.WriteLine($"// Step {Int(index)}, loss: {fusedLoss}; {output} {Shape(graph.Classes)} become dLoss/d{output} in place.");
                    string targets = loss.TrainsOnClassIndices ? "labels" : "targets";
                    w.WriteLine($"float loss = {Field(loss.MemberName)}.ForwardBackward({output}, {targets}{(withLosses ? ", losses" : string.Empty)}, batch);");
                    break;

                case StepKind.FusedHead:
                    {
                        Node head = graph.Nodes[step.Node];
                        OpEmitContext c = ContextFor(w, graph, head, step);
                        string features = Int(c.InputSize);
                        w.WriteLine($"// Step {Int(index)}, fused head: {c.Member} Linear {features} -> {Int(graph.Classes)} and softmax cross-entropy, streamed over blocks of");
                        w.WriteLine($"// classes with an online softmax (no [B, {Int(graph.Classes)}] logits): {c.Input} {c.InputShapes[0]} in, its gradient {step.OutputGradient} and the");
                        w.WriteLine($"// {c.Member}.weight and .bias gradients out (written while frozen too, never read by an optimizer then).");
                        w.WriteLine($"float loss = {Field(graph.Spec.Loss!.MemberName)}.ForwardBackwardFusedHead({c.Input}, {c.Parameter("weight")}, {c.Parameter("bias")}, labels, {step.OutputGradient}, {c.Gradient("weight")}, {c.Gradient("bias")}, {(withLosses ? "losses" : OpEmitContext.Empty)}, {HeadWorkspace}, batch, {features});");
                        break;
                    }

                case StepKind.Accumulate:
                    w.WriteLine($"// Step {Int(index)}: {step.Output} += {step.Inputs[0]} (the tensor feeds several nodes; their gradients add up)");
                    w.WriteLine($"{Kernels}.Elementwise.Add({step.Output}, {step.Inputs[0]}, {step.Output}, {step.Output}.Length);");
                    break;

                case StepKind.Copy:
                    w.WriteLine($"// Step {Int(index)}: {step.Output} = {step.Inputs[0]} ({(training ? "the loss overwrites its input, and the last layer's backward pass still needs its outputs" : "the last layer is the identity in eval mode")})");
                    w.WriteLine($"{Kernels}.Elementwise.Copy({step.Inputs[0]}, {step.Output}, batch * OutputSize);");
                    break;
            }
        }

        /// <summary>The spans, shapes and parameter slices a node's lowering needs, as the generated code names them.</summary>
        private static OpEmitContext ContextFor(IndentedWriter w, ModelGraph graph, Node node, Step step)
        {
            var parameters = new Dictionary<string, (string Offset, int Length, int Index)>();
            foreach (PlacedParameter parameter in node.Parameters)
            {
                parameters[parameter.Decl.Suffix] = (ParameterOffset(graph, node, parameter), parameter.Decl.Length, parameter.Index);
            }

            var buffers = new Dictionary<string, (string Offset, int Length, bool IsCounter)>();
            foreach (PlacedStateBuffer buffer in node.Buffers)
            {
                buffers[buffer.Decl.Suffix] = (BufferOffsetOf(graph, node, buffer), buffer.Decl.Length, buffer.Decl.IsCounter);
            }

            MemberSpec member = graph.MemberOf(node);
            return new OpEmitContext(
                w,
                member.ParameterName,
                Field(member.MemberName),
                step.Inputs.ToList(),
                node.InputShapes.ToList(),
                step.Output,
                node.Shape,
                step.OutputGradient,
                step.InputGradients.Select(g => g.Length == 0 ? null : g).ToList(),
                parameters,
                step.Saved.ToDictionary(s => s.Suffix, s => s.Buffer),
                buffers,
                step.Consumer);
        }

        /// <summary>Every buffer in state_dict order.</summary>
        private static IEnumerable<PlacedStateBuffer> AllBuffers(ModelGraph graph) => graph.Nodes.SelectMany(n => n.Buffers);

        /// <summary>Every parameter in state_dict order.</summary>
        private static IEnumerable<PlacedParameter> AllParameters(ModelGraph graph) => graph.Nodes.SelectMany(n => n.Parameters);

        private static bool HasFusedHead(ModelPlan plan) => plan.Training?.Steps.Any(step => step.Kind == StepKind.FusedHead) == true;

        private static bool HasDropout(ModelGraph graph) => graph.Nodes.Any(n => n.Op.Saved(n.InputShapes, n.Shape).Any(s => s.Suffix == "Mask"));

        /// <summary>The runtime object of member <paramref name="index"/>, built by its first op.</summary>
        private static string MemberConstruction(ModelGraph graph, int index)
        {
            // A member without parameters may have been fused into its producer (a ReLU member after a Linear one).
            Node? first = graph.Nodes.FirstOrDefault(n => n.Member == index);
            IReadOnlyList<string> tensors = first is null
                ? new List<string>()
                : first.Parameters.Select(p => $"{Parameters}.Tensors[{Int(p.Index)}]").Concat(first.Buffers.Select(b => $"{Parameters}.Buffers[{Int(b.Index)}]")).ToList();
            return graph.Spec.Members[index].Primary.Construct(Parameters, tensors, first?.InputShapes ?? EquatableArray<TensorShape>.Empty);
        }

        /// <summary>A C# string literal for <paramref name="text"/>.</summary>
        private static string Literal(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

        /// <summary>The constructor call of the loss member, with the declared options.</summary>
        private static string LossConstruction(LossSpec loss)
        {
            string reduction = $"global::StaticGrad.Reduction.{loss.Reduction}";
            switch (loss.Kind)
            {
                case LossKind.Nll:
                    return $"new global::StaticGrad.NllLoss(OutputSize, {reduction}, {Int(loss.IgnoreIndex)}, {FloatArray(loss.Weights)})";
                case LossKind.BinaryCrossEntropyWithLogits:
                    return $"new global::StaticGrad.BinaryCrossEntropyWithLogitsLoss(OutputSize, {reduction}, {FloatArray(loss.Weights)}, {FloatArray(loss.PosWeight)})";
                case LossKind.BinaryCrossEntropy:
                    return $"new global::StaticGrad.BinaryCrossEntropyLoss(OutputSize, {reduction}, {FloatArray(loss.Weights)})";
                case LossKind.Mse or LossKind.L1:
                    return $"new global::StaticGrad.{loss.RuntimeTypeName}(OutputSize, {reduction})";
                case LossKind.SmoothL1 or LossKind.Huber:
                    return $"new global::StaticGrad.{loss.RuntimeTypeName}(OutputSize, {reduction}, {Float(loss.Parameter)})";
                default:
                    if (loss.Weights.Count == 0 && loss.IgnoreIndex == LossSpec.DefaultIgnoreIndex && loss.Targets == TargetsKind.ClassIndices)
                    {
                        return $"new global::StaticGrad.SoftmaxCrossEntropyLoss(OutputSize, {Float(loss.LabelSmoothing)}, {reduction})";
                    }

                    return $"new global::StaticGrad.SoftmaxCrossEntropyLoss(OutputSize, {Float(loss.LabelSmoothing)}, {reduction}, {Int(loss.IgnoreIndex)}, global::StaticGrad.TargetKind.{loss.Targets}, {FloatArray(loss.Weights)})";
            }
        }

        private static string FloatArray(EquatableArray<float> values)
            => values.Count == 0 ? "null" : $"new float[] {{ {string.Join(", ", values.Select(Float))} }}";

        private static string Modifiers(string modifiers) => modifiers.Length == 0 ? string.Empty : modifiers + " ";

        private static string Field(string memberName) => GeneratedNames.Field(memberName);

        /// <summary>The constant that holds a parameter's offset, <c>__sgOffset_Layer1Weight</c>.</summary>
        private static string ParameterOffset(ModelGraph graph, Node node, PlacedParameter parameter)
            => GeneratedNames.Offset(graph.MemberOf(node).MemberName + char.ToUpperInvariant(parameter.Decl.Suffix[0]) + parameter.Decl.Suffix.Substring(1));

        private static string BufferOffset(string bufferName) => GeneratedNames.Offset(bufferName);

        /// <summary>The constant that holds a state buffer's offset, <c>__sgOffset_Bn1RunningMean</c>.</summary>
        private static string BufferOffsetOf(ModelGraph graph, Node node, PlacedStateBuffer buffer)
            => GeneratedNames.Offset(graph.MemberOf(node).MemberName + string.Concat(buffer.Decl.Suffix.Split('_').Select(part => char.ToUpperInvariant(part[0]) + part.Substring(1))));

        private static string InferenceBufferOffset(string bufferName) => GeneratedNames.Private("InferenceOffset_" + bufferName);

        private static string Shape(int features) => $"[B, {Int(features)}]";

        private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>A C# float literal: <c>0.1f</c>, <c>1.0f</c>.</summary>
        private static string Float(float value) => Number(value) + "f";

        /// <summary>A float as the comments and the summary show it, as Python prints it: <c>0.1</c>, <c>1.0</c>.</summary>
        private static string Number(float value)
        {
            string text = value.ToString("R", CultureInfo.InvariantCulture);
            return text.IndexOfAny(new[] { '.', 'E', 'e' }) < 0 ? text + ".0" : text;
        }
    }
}
