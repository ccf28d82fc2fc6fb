using System.Collections.Generic;
using System.Linq;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// One op kind of the graph: its options as values (a record, so the incremental pipeline compares it structurally),
/// its shape rule, its parameters with their <c>state_dict</c> names and initialization, what its backward pass reads,
/// whether it may run in place, and its forward and backward lowering to runtime kernels. Every pass (shape inference,
/// parameter layout, scheduling, memory planning, emission) iterates over ops and asks them; none switches on a kind.
/// </summary>
internal abstract record Op
{
    /// <summary>The op as PyTorch names it, for generated comments (<c>Linear</c>, <c>LayerNorm</c>).</summary>
    public abstract string Name { get; }

    /// <summary>
    /// The earlier member whose output is the op's second input (<c>Add</c>, <c>Concat</c>), or null for an op that
    /// consumes only the previous node's output.
    /// </summary>
    public virtual string? Skip => null;

    /// <summary>How many tensors the op consumes.</summary>
    public int Arity => Skip is null ? 1 : 2;

    /// <summary>The shape rule: the output's per-sample shape from the inputs' (one entry per input).</summary>
    public abstract TensorShape OutputShape(EquatableArray<TensorShape> inputs);

    /// <summary>The op's trainable tensors, in <c>state_dict</c> order.</summary>
    public virtual IEnumerable<ParameterDecl> Parameters(EquatableArray<TensorShape> inputs) => System.Array.Empty<ParameterDecl>();

    /// <summary>The op's non-trainable state (running statistics), in <c>state_dict</c> order after its parameters.</summary>
    public virtual IEnumerable<BufferDecl> Buffers(EquatableArray<TensorShape> inputs) => System.Array.Empty<BufferDecl>();

    /// <summary>
    /// The smallest batch the op accepts in training mode (batch norm needs two values per feature, as in PyTorch);
    /// the generated code checks it before a training-mode pass changes anything.
    /// </summary>
    public virtual int MinimumTrainingBatch(EquatableArray<TensorShape> inputs) => 1;

    /// <summary>The smallest batch the op accepts in eval mode (a batch norm without running statistics needs two).</summary>
    public virtual int MinimumInferenceBatch(EquatableArray<TensorShape> inputs) => 1;

    /// <summary>
    /// The op with an elementwise activation folded into its output pass (a fusion rule: the activation's node then
    /// disappears), or null when the op cannot apply <paramref name="activation"/> itself. An op that accepts one takes
    /// the activation's derivative from its output in its backward pass.
    /// </summary>
    public virtual Op? WithEpilogue(ActivationKind activation) => null;

    /// <summary>
    /// The activation folded into the op's output pass (<see cref="WithEpilogue"/>) whose derivative the backward pass can
    /// leave to the backward pass of the output's only consumer (<see cref="WithInputDerivative"/>), or
    /// <see cref="ActivationKind.None"/>.
    /// </summary>
    public virtual ActivationKind DelegableEpilogue => ActivationKind.None;

    /// <summary>
    /// The op whose backward pass starts from an output gradient that already carries the derivative of
    /// <see cref="DelegableEpilogue"/> (so it neither applies it nor reads its output for it).
    /// </summary>
    public virtual Op WithEpilogueDerivativeDelegated()
        => throw new System.InvalidOperationException($"{Name} has no epilogue derivative to delegate.");

    /// <summary>
    /// The op whose backward pass also applies the derivative of <paramref name="activation"/>, which the producer of its
    /// input folded into its output, to the input's gradient, taking it from the op's own output and saved tensors; or
    /// null when it cannot. Max pooling can for ReLU: a window's maximum is positive exactly where ReLU passes gradient.
    /// </summary>
    public virtual Op? WithInputDerivative(ActivationKind activation) => null;

    /// <summary>
    /// The op whose backward pass forms its output's gradient itself, from the backward pass's inputs of its only
    /// consumer <paramref name="consumer"/> (its output gradient, output and saved tensors), when nothing needs the op's
    /// input gradient; or null when it cannot. A convolution can from a max pool: its weight gradient builds each sample's
    /// output gradient from the pool's while it is in cache, so no batch-sized gradient is written and read back.
    /// </summary>
    public virtual Op? WithOutputGradientFrom(Op consumer) => null;

    /// <summary>Whether the backward pass reads its only consumer's backward inputs (<see cref="WithOutputGradientFrom"/>).</summary>
    public virtual bool ReadsConsumerBackward => false;

    /// <summary>The op whose backward pass leaves its input's gradient to that input's producer (<see cref="WithOutputGradientFrom"/>).</summary>
    public virtual Op WithInputGradientLeftToProducer()
        => throw new System.InvalidOperationException($"{Name} cannot leave its input gradient to its producer.");

    /// <summary>Whether the op has trainable tensors whatever its input (every op that declares any does).</summary>
    public virtual bool HasParameters => false;

    /// <summary>Whether the op's runtime layer holds kernel scratch (a <c>ConvolutionLayer</c>'s <c>Workspace</c>), which the summary counts.</summary>
    public virtual bool HasWorkspace => false;

    /// <summary>Whether the op takes flat features <c>[B, F]</c> (everything but the image ops does).</summary>
    public virtual bool TakesFlat => true;

    /// <summary>Whether the op takes images <c>[B, C, H, W]</c> (the image ops, and the elementwise ones that take any shape).</summary>
    public virtual bool TakesImages => false;

    /// <summary>
    /// Why the op cannot take inputs of these shapes (a kernel larger than the padded image, channels not divisible by
    /// the groups), with the computed sizes, or null when it can. Asked only of inputs of a kind the op takes.
    /// </summary>
    public virtual string? GeometryProblem(EquatableArray<TensorShape> inputs) => null;

    /// <summary>What <see cref="InputsAgree"/> requires, for the diagnostic when it fails.</summary>
    public virtual string AgreementRule => "both must have the same shape";

    /// <summary>Whether the input shapes are compatible (an <c>Add</c> needs two equal shapes).</summary>
    public virtual bool InputsAgree(EquatableArray<TensorShape> inputs) => true;

    /// <summary>Per-sample tensors the training forward pass saves for the backward pass (a dropout mask, row statistics).</summary>
    public virtual IEnumerable<SavedDecl> Saved(EquatableArray<TensorShape> inputs, TensorShape output) => System.Array.Empty<SavedDecl>();

    /// <summary>Whether the backward pass reads the op's inputs.</summary>
    public virtual bool BackwardReadsInputs => false;

    /// <summary>Whether the backward pass reads the op's output.</summary>
    public virtual bool BackwardReadsOutput => false;

    /// <summary>Whether the output may overwrite the (single) input in the forward pass.</summary>
    public virtual bool RunsInPlace => false;

    /// <summary>
    /// Whether the output is the input's values unchanged, in the same order (a reshape): run in place, the op overwrites
    /// nothing a backward pass may still read.
    /// </summary>
    public virtual bool KeepsValues => false;

    /// <summary>Whether the backward pass may turn the output gradient into the input gradient in the same buffer.</summary>
    public virtual bool GradientInPlace => false;

    /// <summary>Whether the op is the identity in eval mode (dropout): the inference schedule skips it.</summary>
    public virtual bool IdentityInInference => false;

    /// <summary>Whether the op computes something else in training mode than in eval mode (dropout, batch norm).</summary>
    public virtual bool DependsOnMode => IdentityInInference;

    /// <summary>A one-line description for the graph comment (<c>Linear 784 -> 128, ReLU</c>).</summary>
    public abstract string Describe(EquatableArray<TensorShape> inputs, TensorShape output);

    /// <summary>
    /// The C# expression that creates the runtime object of a member whose first op this is, from the parameter set and
    /// the expressions of the member's parameter tensors (in <see cref="Parameters"/> order) followed by those of its
    /// buffers (in <see cref="Buffers"/> order).
    /// </summary>
    public abstract string Construct(string parameterSet, System.Collections.Generic.IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs);

    /// <summary>Writes the forward pass: <paramref name="training"/> selects train-mode semantics (dropout masks, batch statistics).</summary>
    public abstract void EmitForward(OpEmitContext context, bool training);

    /// <summary>
    /// The op in eval mode as an ONNX (opset 17) C# expression of <see cref="OnnxEmitContext.Builder"/> calls on its
    /// inputs, yielding its output tensor; an op that is the identity in eval mode returns its input.
    /// </summary>
    public abstract string OnnxExpression(OnnxEmitContext c);

    /// <summary>
    /// Writes the backward pass: turns the output gradient (which the op may overwrite) into its parameters' gradients
    /// (overwritten) and into the gradient of every input whose <see cref="OpEmitContext.InputGradients"/> entry is not null.
    /// </summary>
    public abstract void EmitBackward(OpEmitContext context);
}

/// <summary>A trainable tensor of an op: <c>state_dict</c> suffix, shape, initialization.</summary>
/// <param name="Suffix">The name after the member's prefix (<c>weight</c>, <c>bias</c>).</param>
/// <param name="Shape">PyTorch's shape of the tensor.</param>
/// <param name="FanIn">For PyTorch's <c>U(-1/sqrt(fan_in), 1/sqrt(fan_in))</c>; 0 for a constant initialization.</param>
/// <param name="Constant">The initial value of every element when <paramref name="FanIn"/> is 0 (LayerNorm's weight is 1).</param>
internal sealed record ParameterDecl(string Suffix, EquatableArray<int> Shape, int FanIn, float Constant)
{
    /// <summary>A normalization's affine pair, PyTorch's: <c>weight</c> of ones and <c>bias</c> of zeros, <c>[size]</c> each.</summary>
    public static IEnumerable<ParameterDecl> NormAffine(int size)
    {
        yield return new ParameterDecl("weight", new[] { size }.ToEquatableArray(), 0, 1f);
        yield return new ParameterDecl("bias", new[] { size }.ToEquatableArray(), 0, 0f);
    }

    /// <summary>Elements in the tensor.</summary>
    public int Length
    {
        get
        {
            int length = 1;
            foreach (int dimension in Shape)
            {
                length = checked(length * dimension);
            }

            return length;
        }
    }
}

/// <summary>A non-trainable tensor of an op's state: <c>state_dict</c> suffix, shape, element type, initial value.</summary>
/// <param name="Suffix">The name after the member's prefix (<c>running_mean</c>).</param>
/// <param name="Shape">PyTorch's shape; empty for a scalar (<c>num_batches_tracked</c>).</param>
/// <param name="IsCounter">Whether it holds 64-bit integers (PyTorch's <c>torch.long</c>) rather than floats.</param>
/// <param name="InitialValue">Every element's initial value.</param>
internal sealed record BufferDecl(string Suffix, EquatableArray<int> Shape, bool IsCounter, float InitialValue)
{
    /// <summary>Elements in the buffer.</summary>
    public int Length => Shape.Aggregate(1, (length, dimension) => checked(length * dimension));
}

/// <summary>A per-sample tensor a training forward pass keeps for its backward pass.</summary>
/// <param name="Suffix">Appended to the node's name to name the arena buffer (<c>Mask</c>).</param>
/// <param name="FloatsPerSample">Floats per sample.</param>
/// <param name="Description">What it holds, for the arena comment.</param>
/// <param name="ForwardNeedsIt">Whether the forward kernel writes it in eval mode too (max pooling's indices), so the inference arena has it.</param>
internal sealed record SavedDecl(string Suffix, int FloatsPerSample, string Description, bool ForwardNeedsIt = false);
