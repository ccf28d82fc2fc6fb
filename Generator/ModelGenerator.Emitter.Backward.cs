using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using StaticGrad.Generator.Graph;
using StaticGrad.Generator.Helpers;
using StaticGrad.Generator.Model;
using StaticGrad.Generator.Ops;

namespace StaticGrad.Generator;

internal sealed partial class ModelGenerator
{
    /// <summary>
    /// The user-loss pair, PyTorch's <c>out = model(x); my_loss(out).backward()</c>: <c>ForwardForBackward</c> runs the
    /// training schedule's forward steps and hands the outputs the loss would receive to the caller; <c>Backward</c> takes
    /// the caller's gradient with respect to them where the loss step would have written its own and runs the training
    /// schedule's backward steps. Both use the training arena with TrainStep's layout, so the two calls together compute
    /// exactly what TrainStep computes when the caller's gradient is the loss's.
    /// </summary>
    internal static partial class Emitter
    {
        private static readonly string BackwardBatch = GeneratedNames.Private("BackwardBatch");
        private static readonly string BackwardCore = GeneratedNames.Private("BackwardCore");
        private static readonly string HeadOutputGradient = GeneratedNames.Private("HeadOutputGradient");
        private static readonly string BackwardInputs = GeneratedNames.Private("BackwardInputs");
        private static readonly string BackwardSteps = GeneratedNames.Private("BackwardSteps");

        /// <summary>
        /// Whether a backward step reads the model's inputs (a first Linear or Conv2d computes its weight gradient from
        /// them): ForwardForBackward then keeps a copy for Backward, as TrainStep has them as its argument, and the backward
        /// steps' method takes them as an argument of its own.
        /// </summary>
        private static bool BackwardReadsModelInputs(ModelPlan plan)
            => plan.Training!.Steps.Any(step => step.Kind is StepKind.Backward or StepKind.FusedHead
                && step.Inputs.Contains(ModelGraph.InputName)
                && (step.Kind == StepKind.FusedHead || plan.Graph.Nodes[step.Node].Op.BackwardReadsInputs));

        /// <summary>The training schedule's step that consumes the outputs: the loss, or the fused head.</summary>
        private static int LossStepIndex(Schedule training)
        {
            for (int s = 0; s < training.Steps.Count; s++)
            {
                if (training.Steps[s].Kind is StepKind.Loss or StepKind.FusedHead)
                {
                    return s;
                }
            }

            throw new System.InvalidOperationException("A training schedule without a loss step.");
        }

        /// <summary>The fields of the pair: the pending forward pass, and the fused head's lazily allocated output gradient.</summary>
        private static void WriteBackwardFields(IndentedWriter w, ModelPlan plan)
        {
            w.WriteLine($"private int {BackwardBatch};");
            if (HasFusedHead(plan))
            {
                w.WriteLine($"private float[]? {HeadOutputGradient};");
            }

            if (BackwardReadsModelInputs(plan))
            {
                w.WriteLine($"private float[]? {BackwardInputs};");
            }
        }

        /// <summary>Marks the training arena as reused by a step that is not the pair's (TrainStep, a training-mode Forward).</summary>
        private static void WriteForgetForward(IndentedWriter w)
            => w.WriteLine($"{BackwardBatch} = 0; // the training arena is rewritten: a pending ForwardForBackward can no longer be gone back through");

        /// <summary>The pair for a model without a loss: compile errors (SG0021) that say what to do, like its TrainStep.</summary>
        private static void WriteUnavailableBackward(IndentedWriter w, string message)
        {
            string literal = Literal(message);
            string obsolete = $"[global::System.Obsolete({literal}, error: true, DiagnosticId = \"{Diagnostics.TargetKindMismatch.Id}\", UrlFormat = \"{Diagnostics.TargetKindMismatch.HelpLinkUri}\")]";
            const string hidden = "[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]";
            w.WriteLine("/// <summary>Not available for this model: calling it is compile error SG0021, whose message says why.</summary>");
            w.WriteLine("/// <param name=\"inputs\">Unused.</param>");
            w.WriteLine("/// <param name=\"outputs\">Unused.</param>");
            w.WriteLine("/// <param name=\"batch\">Unused.</param>");
            w.WriteLine(obsolete);
            w.WriteLine(hidden);
            w.WriteLine($"public void ForwardForBackward({ReadOnlySpan} inputs, {Span} outputs, int batch) => throw new global::System.NotSupportedException({literal});");
            w.WriteLine();
            w.WriteLine("/// <summary>Not available for this model: calling it is compile error SG0021, whose message says why.</summary>");
            w.WriteLine("/// <param name=\"outputGradient\">Unused.</param>");
            w.WriteLine("/// <param name=\"batch\">Unused.</param>");
            w.WriteLine(obsolete);
            w.WriteLine(hidden);
            w.WriteLine($"public void Backward({ReadOnlySpan} outputGradient, int batch) => throw new global::System.NotSupportedException({literal});");
            w.WriteLine();
            w.WriteLine("/// <summary>Not available for this model: calling it is compile error SG0021, whose message says why.</summary>");
            w.WriteLine("/// <param name=\"outputGradient\">Unused.</param>");
            w.WriteLine("/// <param name=\"batch\">Unused.</param>");
            w.WriteLine("/// <param name=\"scale\">Unused.</param>");
            w.WriteLine(obsolete);
            w.WriteLine(hidden);
            w.WriteLine($"public void AccumulateBackward({ReadOnlySpan} outputGradient, int batch, float scale) => throw new global::System.NotSupportedException({literal});");
            w.WriteLine();
        }

        /// <summary><c>ForwardForBackward</c>, <c>Backward</c>, <c>AccumulateBackward</c> and the core they share.</summary>
        private static void WriteBackwardPair(IndentedWriter w, ModelPlan plan)
        {
            ModelGraph graph = plan.Graph;
            string model = GeneratedNames.Identifier(graph.Spec.TypeName);
            bool logSoftmax = graph.Spec.OutputActivation == OutputActivation.LogSoftmax;
            LossSpec loss = graph.Spec.Loss!;
            string kind = logSoftmax ? "log-probabilities"
                : loss.IsRegression ? "predictions"
                : loss.Kind == LossKind.BinaryCrossEntropy ? "probabilities"
                : "logits";
            string values = kind + (logSoftmax
                ? " (the LogSoftmax of the last layer, what Forward returns)"
                : loss.Kind == LossKind.BinaryCrossEntropy ? " (the Sigmoid of the last layer, what the loss receives)"
                : " (the last layer's raw outputs, what the loss receives)");

            w.WriteLine("/// <summary>");
            w.WriteLine("/// The forward pass of a training step with a loss of the caller's own (PyTorch's <c>out = model(x)</c> in <c>model.train()</c>):");
            w.WriteLine($"/// writes the first <paramref name=\"batch\"/> samples' {values}");
            bool modes = HasModes(graph);
            if (modes)
            {
                w.WriteLine("/// and keeps every activation the backward pass needs. Always in training mode, as TrainStep: dropout draws its masks, batch norm normalizes with");
                w.WriteLine("/// the batch's statistics and updates its running ones. Follow it with <see cref=\"Backward\"/> (or");
            }
            else
            {
                w.WriteLine("/// and keeps every activation the backward pass needs. Follow it with <see cref=\"Backward\"/> (or");
            }

            w.WriteLine("/// <see cref=\"AccumulateBackward\"/>) on the same batch size, given the loss's gradient with respect to these outputs.");
            w.WriteLine("/// </summary>");
            w.WriteLine("/// <param name=\"inputs\">At least <c>batch * InputSize</c> features, row-major.</param>");
            w.WriteLine($"/// <param name=\"outputs\">Receives <c>batch * OutputSize</c> {kind}, row-major.</param>");
            w.WriteLine($"/// <param name=\"batch\">Samples, {BatchRange(graph, training: true)}.</param>");
            if (modes)
            {
                w.WriteLine("/// <remarks>One thread at a time per instance, as TrainStep. TrainStep, AccumulateGradients and Forward in");
                w.WriteLine("/// <see cref=\"global::StaticGrad.ModelMode.Training\"/> reuse the activations this call keeps: a Backward after them throws.");
                w.WriteLine("/// Forward and Predict in evaluation mode do not. Do not change the parameters (an optimizer step, a weight load)");
            }
            else
            {
                w.WriteLine("/// <remarks>One thread at a time per instance, as TrainStep. TrainStep and AccumulateGradients reuse the activations");
                w.WriteLine("/// this call keeps: a Backward after them throws. Forward and Predict do not. Do not change the parameters (an optimizer step, a weight load)");
            }

            w.WriteLine("/// between this call and its Backward: the backward pass reads the weights as they are then.</remarks>");
            using (w.WriteBlock($"public void ForwardForBackward({ReadOnlySpan} inputs, {Span} outputs, int batch)"))
            {
                WriteInputChecks(w);
                w.WriteLine($"{Guard}.CheckLength(outputs.Length, batch, OutputSize, nameof(outputs));");
                w.WriteLine("outputs = outputs.Slice(0, batch * OutputSize);");
                w.WriteLine($"{Guard}.CheckDisjoint(inputs, outputs, nameof(inputs), nameof(outputs));");
                WriteBatchCheck(w, graph, training: true);
                w.WriteLine();
                w.WriteLine($"{Guard}.EnterTrainStep(ref {TrainStepRunning}, nameof({model}));");
                using (w.WriteBlock("try"))
                {
                    w.WriteLine($"{BackwardBatch} = 0;");
                    if (BackwardReadsModelInputs(plan))
                    {
                        w.WriteLine("// Backward reads the inputs (TrainStep's argument): a copy of the model's own, allocated on the first call.");
                        w.WriteLine($"inputs.CopyTo({BackwardInputs} ??= new float[checked(MaxBatch * InputSize)]);");
                    }

                    WriteTrainingPass(w, plan, readOnlyParameters: true, w =>
                    {
                        Schedule training = plan.Training!;
                        int s = 0;
                        foreach (Step step in training.Steps.TakeWhile(step => step.Kind == StepKind.Forward))
                        {
                            WriteStep(w, graph, step, s++, withLosses: false, training: true);
                        }

                        if (HasFusedHead(plan))
                        {
                            // The fused step replaces the head's forward in the training schedule: the head writes the caller's span here.
                            WriteStep(w, graph, HeadForward(plan, "outputs"), s, withLosses: false, training: true);
                        }
                        else
                        {
                            w.WriteLine();
                            w.WriteLine($"// outputs {Shape(graph.Classes)} = {training.OutputBuffer}, the loss's input in TrainStep (it stays in the arena for Backward).");
                            w.WriteLine($"{Kernels}.Elementwise.Copy({training.OutputBuffer}, outputs, batch * OutputSize);");
                        }

                        if (logSoftmax)
                        {
                            w.WriteLine($"// outputs {Shape(graph.Classes)} = LogSoftmax(outputs) row by row, the model's declared output (Backward takes their gradient).");
                            w.WriteLine($"{Kernels}.LogSoftmax.Rows(outputs, batch, OutputSize);");
                        }

                        w.WriteLine($"{BackwardBatch} = batch;");
                    });
                }

                using (w.WriteBlock("finally"))
                {
                    w.WriteLine($"{Guard}.ExitTrainStep(ref {TrainStepRunning});");
                }
            }

            w.WriteLine();
            WriteBackwardDocs(w, accumulate: false, modes: HasModes(graph));
            w.WriteLine($"public void Backward({ReadOnlySpan} outputGradient, int batch) => {BackwardCore}(outputGradient, {Parameters}.Gradients, batch);");
            w.WriteLine();
            WriteBackwardDocs(w, accumulate: true, modes: HasModes(graph));
            using (w.WriteBlock($"public void AccumulateBackward({ReadOnlySpan} outputGradient, int batch, float scale)"))
            {
                w.WriteLine($"{Guard}.CheckScale(scale);");
                w.WriteLine($"float[] accumulation = {Accumulation} ??= new float[ParameterCount];");
                w.WriteLine($"{BackwardCore}(outputGradient, accumulation, batch);");
                w.WriteLine($"{Parameters}.AddScaledGradients(accumulation, scale); // the trainable tensors' only: the buffer holds a frozen tensor's stale gradient");
            }

            w.WriteLine();
            WriteBackwardCore(w, plan, model, logSoftmax);
        }

        private static void WriteBackwardDocs(IndentedWriter w, bool accumulate, bool modes)
        {
            w.WriteLine("/// <summary>");
            w.WriteLine("/// The backward pass of the preceding <see cref=\"ForwardForBackward\"/> from the caller's gradient of a loss with respect to");
            w.WriteLine(accumulate
                ? "/// its outputs, adding <paramref name=\"scale\"/> times the parameter gradients to those in <see cref=\"Parameters\"/>"
                : "/// its outputs. Overwrites the gradients in <see cref=\"Parameters\"/> (like <c>zero_grad()</c> then <c>loss.backward()</c>);");
            w.WriteLine(accumulate
                ? "/// (PyTorch's <c>(loss * scale).backward()</c> without <c>zero_grad()</c>), as AccumulateGradients does."
                : "/// an optimizer's <c>Step()</c> then applies them. Given the model's own loss gradient, it computes what TrainStep computes.");
            w.WriteLine("/// Each forward pass has one backward pass: the next Backward needs a new ForwardForBackward.");
            w.WriteLine("/// </summary>");
            w.WriteLine("/// <param name=\"outputGradient\">At least <c>batch * OutputSize</c> values, row-major: dLoss/d(outputs) for the outputs");
            w.WriteLine("/// ForwardForBackward wrote (divided by the batch for a mean loss, as PyTorch's autograd would give it).</param>");
            w.WriteLine("/// <param name=\"batch\">The batch of the preceding ForwardForBackward.</param>");
            if (accumulate)
            {
                w.WriteLine("/// <param name=\"scale\">The weight of these gradients; finite.</param>");
            }

            w.WriteLine("/// <exception cref=\"global::System.InvalidOperationException\">No ForwardForBackward precedes this call, it ran on another batch");
            w.WriteLine(modes
                ? "/// size, or a TrainStep, AccumulateGradients, training-mode Forward or Backward ran since; or another thread is training this instance.</exception>"
                : "/// size, or a TrainStep, AccumulateGradients or Backward ran since; or another thread is training this instance.</exception>");
        }

        /// <summary>
        /// The backward core: the caller's gradient goes where TrainStep's loss step writes its own (the loss's input buffer,
        /// or for a fused head a buffer of the model's own, and then the head's own backward step), then TrainStep's backward steps.
        /// </summary>
        private static void WriteBackwardCore(IndentedWriter w, ModelPlan plan, string model, bool logSoftmax)
        {
            ModelGraph graph = plan.Graph;
            Schedule training = plan.Training!;
            int lossIndex = LossStepIndex(training);
            Step lossStep = training.Steps[lossIndex];
            w.WriteLine("/// <summary>The backward pass: writes the parameter gradients into <paramref name=\"gradients\"/> (the parameter set's, or the accumulation buffer).</summary>");
            using (w.WriteBlock($"private void {BackwardCore}({ReadOnlySpan} outputGradient, {Span} gradients, int batch)"))
            {
                w.WriteLine($"{Guard}.CheckBatch(batch, MaxBatch);");
                w.WriteLine($"{Guard}.CheckLength(outputGradient.Length, batch, OutputSize, nameof(outputGradient));");
                w.WriteLine("outputGradient = outputGradient.Slice(0, batch * OutputSize);");
                w.WriteLine();
                w.WriteLine($"{Guard}.EnterTrainStep(ref {TrainStepRunning}, nameof({model}));");
                using (w.WriteBlock("try"))
                {
                    w.WriteLine($"{Guard}.CheckBackward({BackwardBatch}, batch, nameof({model}));");
                    w.WriteLine($"{BackwardBatch} = 0; // the backward pass overwrites the activations it reads: one per forward pass");
                    if (BackwardReadsModelInputs(plan))
                    {
                        w.WriteLine($"{ReadOnlySpan} inputs = new {ReadOnlySpan}({BackwardInputs}, 0, batch * InputSize);");
                    }

                    WriteTrainingPass(w, plan, readOnlyParameters: false, w =>
                    {
                        w.WriteLine();
                        if (lossStep.Kind == StepKind.FusedHead)
                        {
                            Node head = graph.Output;
                            string gradientName = "outputsGradient";
                            w.WriteLine($"// Instead of step {Int(lossIndex)}, the fused head and loss: {gradientName} {Shape(graph.Classes)} = outputGradient, in a buffer of the model's own");
                            w.WriteLine($"// (TrainStep's arena has no [B, {Int(graph.Classes)}] logits gradient), allocated on the first call; then the head's own backward pass.");
                            w.WriteLine($"{Span} {gradientName} = new {Span}({HeadOutputGradient} ??= new float[checked(MaxBatch * OutputSize)], 0, batch * OutputSize);");
                            w.WriteLine($"{Kernels}.Elementwise.Copy(outputGradient, {gradientName}, batch * OutputSize);");
                            Step headBackward = new(StepKind.Backward, head.Id, lossStep.Inputs, gradientName, gradientName, new[] { lossStep.OutputGradient }.ToEquatableArray(), EquatableArray<SavedBuffer>.Empty, EquatableArray<string>.Empty, EquatableArray<string>.Empty);
                            WriteStep(w, graph, headBackward, lossIndex, withLosses: false, training: true);
                        }
                        else
                        {
                            string target = lossStep.Output;
                            if (logSoftmax && lossIndex > 0 && training.Steps[lossIndex - 1].Kind == StepKind.Copy)
                            {
                                // The loss works on a copy of the outputs (the last layer's backward pass reads them); LogSoftmax's
                                // backward pass below reads that copy's logits. Without it, the caller's gradient overwrites the copy.
                                WriteStep(w, graph, training.Steps[lossIndex - 1], lossIndex - 1, withLosses: false, training: true);
                                w.WriteLine();
                            }

                            if (logSoftmax)
                            {
                                w.WriteLine($"// Step {Int(lossIndex)}, instead of the loss: {target} {Shape(graph.Classes)} = dLoss/d{training.OutputBuffer} from outputGradient, the gradient with");
                                w.WriteLine($"// respect to the log-probabilities: outputGradient - softmax({training.OutputBuffer}) * (row sum of outputGradient), LogSoftmax's backward pass.");
                                w.WriteLine($"{Kernels}.LogSoftmax.BackwardFromLogits({target}, outputGradient, batch, OutputSize);");
                            }
                            else
                            {
                                w.WriteLine($"// Step {Int(lossIndex)}, instead of the loss: {target} {Shape(graph.Classes)} = outputGradient, the caller's dLoss/d{training.OutputBuffer}.");
                                w.WriteLine($"{Kernels}.Elementwise.Copy(outputGradient, {target}, batch * OutputSize);");
                            }
                        }

                        WriteBackwardStepsCall(w, plan);
                    });
                }

                using (w.WriteBlock("finally"))
                {
                    w.WriteLine($"{Guard}.ExitTrainStep(ref {TrainStepRunning});");
                }
            }

            w.WriteLine();
        }

        /// <summary>
        /// The training schedule's backward steps (those after the loss or fused head step) in a method of their own, which
        /// TrainStep's core and the backward core both call: the generated model holds them once. The steps keep their
        /// schedule indices, so the comments number them as in the schedule.
        /// </summary>
        private static void WriteBackwardSteps(IndentedWriter w, ModelPlan plan)
        {
            ModelGraph graph = plan.Graph;
            Schedule training = plan.Training!;
            int first = LossStepIndex(training) + 1;
            string inputs = BackwardReadsModelInputs(plan) ? $"{ReadOnlySpan} inputs, " : string.Empty;
            w.WriteLine("/// <summary>");
            w.WriteLine($"/// {StepRange(training)} of the training schedule, the backward pass from {BackwardStart(plan)} to the parameter gradients in");
            w.WriteLine("/// <paramref name=\"gradients\"/> (the parameter set's, or the accumulation buffer). Called by TrainStep's core");
            w.WriteLine($"/// (<c>{TrainStepCore}</c>) after its loss step and by Backward's (<c>{BackwardCore}</c>) once it has formed that gradient");
            w.WriteLine("/// from the caller's, each inside its training step guard.");
            w.WriteLine("/// </summary>");
            using (w.WriteBlock($"private void {BackwardSteps}({inputs}{Span} gradients, int batch)"))
            {
                WriteTrainingPass(w, plan, readOnlyParameters: false, w =>
                {
                    for (int s = first; s < training.Steps.Count; s++)
                    {
                        WriteStep(w, graph, training.Steps[s], s, withLosses: false, training: true);
                    }
                });
            }

            w.WriteLine();
        }

        /// <summary>The call of the backward steps, after the step that writes the gradient they start from.</summary>
        private static void WriteBackwardStepsCall(IndentedWriter w, ModelPlan plan)
        {
            string inputs = BackwardReadsModelInputs(plan) ? "inputs, " : string.Empty;
            w.WriteLine();
            w.WriteLine($"// {StepRange(plan.Training!)}: the backward pass from {BackwardStart(plan)} to the parameter gradients.");
            w.WriteLine($"{BackwardSteps}({inputs}gradients, batch);");
        }

        /// <summary>The indices of the backward steps: <c>Steps 9 to 16</c>, <c>Steps 3 and 4</c> or <c>Step 2</c>.</summary>
        private static string StepRange(Schedule training)
        {
            int first = LossStepIndex(training) + 1;
            int last = training.Steps.Count - 1;
            return (last - first) switch
            {
                0 => $"Step {Int(first)}",
                1 => $"Steps {Int(first)} and {Int(last)}",
                _ => $"Steps {Int(first)} to {Int(last)}",
            };
        }

        /// <summary>
        /// The gradient the backward steps start from, with its shape: the loss's input, which the loss overwrites with its
        /// gradient, or the fused head's input gradient.
        /// </summary>
        private static string BackwardStart(ModelPlan plan)
        {
            Step lossStep = plan.Training!.Steps[LossStepIndex(plan.Training)];
            return lossStep.Kind == StepKind.FusedHead
                ? $"{lossStep.OutputGradient} {plan.Graph.Output.InputShapes[0]}"
                : $"{lossStep.Output} {Shape(plan.Graph.Classes)}";
        }

        /// <summary>
        /// The forward step of a fused head, which the training schedule does not have (the fused step replaces it): the
        /// head reads the hidden activations the fused step reads and writes <paramref name="output"/>, a span of the caller's.
        /// </summary>
        private static Step HeadForward(ModelPlan plan, string output)
        {
            string hidden = plan.Training!.Steps.Single(step => step.Kind == StepKind.FusedHead).Inputs[0];
            return new Step(StepKind.Forward, plan.Graph.Output.Id, new[] { hidden }.ToEquatableArray(), output, string.Empty, EquatableArray<string>.Empty, EquatableArray<SavedBuffer>.Empty, EquatableArray<string>.Empty, EquatableArray<string>.Empty);
        }

        /// <summary>
        /// A pass in the training arena: <paramref name="body"/>, after the spans it names among the parameters (read-only in
        /// a pass that only reads them), the model's buffers and the training arena's buffers. Only those its code uses are
        /// declared, so each of the methods that share the arena (TrainStep's core, the backward steps, the user-loss pair,
        /// training-mode Forward) lists the spans it works on, not the whole arena.
        /// </summary>
        private static void WriteTrainingPass(IndentedWriter w, ModelPlan plan, bool readOnlyParameters, System.Action<IndentedWriter> body)
        {
            var pass = new IndentedWriter();
            body(pass);
            string code = pass.ToString();
            HashSet<string> used = CodeIdentifiers(code);
            if (used.Contains("parameters"))
            {
                w.WriteLine($"{(readOnlyParameters ? ReadOnlySpan : Span)} parameters = {Parameters}.Values;");
            }

            if (used.Contains("buffers") && AllBuffers(plan.Graph).Any(b => !b.Decl.IsCounter))
            {
                w.WriteLine($"{Span} buffers = {Parameters}.BufferValues;");
            }

            if (used.Contains("counters") && AllBuffers(plan.Graph).Any(b => b.Decl.IsCounter))
            {
                w.WriteLine($"global::System.Span<long> counters = {Parameters}.Counters;");
            }

            foreach (PlacedBuffer placed in plan.Memory!.Buffers.Where(placed => used.Contains(placed.Buffer.Name)))
            {
                WriteArenaSlice(w, placed.Buffer, Arena, BufferOffset(placed.Buffer.Name), "MaxBatch");
            }

            w.WriteLines(code);
        }

        /// <summary>The identifiers in <paramref name="code"/> outside its <c>//</c> comments (the generated passes hold no string with <c>//</c>).</summary>
        private static HashSet<string> CodeIdentifiers(string code)
        {
            var identifiers = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (string line in code.Split('\n'))
            {
                int comment = line.IndexOf("//", System.StringComparison.Ordinal);
                foreach (Match match in IdentifierPattern.Matches(comment < 0 ? line : line.Substring(0, comment)))
                {
                    identifiers.Add(match.Value);
                }
            }

            return identifiers;
        }

        /// <summary>A C# identifier: a letter (any script) or underscore, then letters, digits, combining marks, connectors and formatting characters.</summary>
        private static readonly Regex IdentifierPattern = new(@"@?[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}\p{Cf}]*", RegexOptions.CultureInvariant);
    }
}
