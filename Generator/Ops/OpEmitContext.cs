using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using StaticGrad.Generator.Helpers;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// What an op's lowering writes with: the writer, the spans of its tensors (named as the generated code names them),
/// its parameters' slices and the shapes. Built by the emitter for one step; the op never sees the rest of the graph.
/// </summary>
internal sealed class OpEmitContext
{
    /// <summary>The runtime kernels' namespace.</summary>
    public const string Kernels = "global::StaticGrad.Kernels";

    /// <summary>The model's dropout generator (a private field of models with dropout).</summary>
    public static readonly string DropoutGenerator = GeneratedNames.Private("DropoutGenerator");

    /// <summary>An empty span argument (an op without affine parameters, statistics not saved).</summary>
    public const string Empty = "global::System.Span<float>.Empty";

    private readonly IReadOnlyDictionary<string, (string Offset, int Length, int Index)> _parameters;
    private readonly IReadOnlyDictionary<string, string> _saved;
    private readonly IReadOnlyDictionary<string, (string Offset, int Length, bool IsCounter)> _buffers;
    private readonly Graph.ConsumerSpans? _consumer;

    public OpEmitContext(
        IndentedWriter writer,
        string member,
        string field,
        IReadOnlyList<string> inputs,
        IReadOnlyList<TensorShape> inputShapes,
        string output,
        TensorShape outputShape,
        string outputGradient,
        IReadOnlyList<string?> inputGradients,
        IReadOnlyDictionary<string, (string Offset, int Length, int Index)> parameters,
        IReadOnlyDictionary<string, string> saved,
        IReadOnlyDictionary<string, (string Offset, int Length, bool IsCounter)> buffers,
        Graph.ConsumerSpans? consumer = null)
    {
        Writer = writer;
        Member = member;
        Field = field;
        Inputs = inputs;
        InputShapes = inputShapes;
        InputFeatures = inputShapes.Select(shape => shape.Features).ToList();
        Output = output;
        OutputShape = outputShape;
        OutputGradient = outputGradient;
        InputGradients = inputGradients;
        _parameters = parameters;
        _saved = saved;
        _buffers = buffers;
        _consumer = consumer;
    }

    /// <summary>Writes the generated code.</summary>
    public IndentedWriter Writer { get; }

    /// <summary>The member's <c>state_dict</c> prefix (<c>layer1</c>), for comments.</summary>
    public string Member { get; }

    /// <summary>The private field of the member's runtime object.</summary>
    public string Field { get; }

    /// <summary>The span of each input tensor.</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>The per-sample shape of each input tensor.</summary>
    public IReadOnlyList<TensorShape> InputShapes { get; }

    /// <summary>The features (values per sample) of each input tensor.</summary>
    public IReadOnlyList<int> InputFeatures { get; }

    /// <summary>The span of the first input.</summary>
    public string Input => Inputs[0];

    /// <summary>The features of the first input.</summary>
    public int InputSize => InputFeatures[0];

    /// <summary>The span of the output tensor (may be the input's span when the op runs in place).</summary>
    public string Output { get; }

    /// <summary>Features of the output.</summary>
    public int OutputFeatures => OutputShape.Features;

    /// <summary>The per-sample shape of the output.</summary>
    public TensorShape OutputShape { get; }

    /// <summary>The span of the output's gradient (backward only); the op may overwrite it.</summary>
    public string OutputGradient { get; }

    /// <summary>Per input, the span that receives its gradient (overwritten), or null when nothing needs it (pruned).</summary>
    public IReadOnlyList<string?> InputGradients { get; }

    /// <summary>The values of a parameter, <c>parameters.Slice(offset, length)</c>.</summary>
    public string Parameter(string suffix) => Slice("parameters", suffix);

    /// <summary>The gradient of a parameter, <c>gradients.Slice(offset, length)</c>.</summary>
    public string Gradient(string suffix) => Slice("gradients", suffix);

    /// <summary>Whether a parameter trains (a frozen layer's do not): <c>parameters.Tensors[i].RequiresGrad</c>, read at run time.</summary>
    public string Trainable(string suffix) => $"{GeneratedNames.Private("Parameters")}.Tensors[{Int(_parameters[suffix].Index)}].RequiresGrad";

    /// <summary>A parameter's gradient, or an empty span when the parameter is frozen (the kernel then skips it).</summary>
    public string GradientIfTrainable(string suffix) => $"({Trainable(suffix)} ? {Gradient(suffix)} : {Empty})";

    /// <summary>
    /// Inside the block of a kernel call that writes a weight's gradient together with its bias's and runs while either
    /// trains: clears the weight's gradient again when only the bias trains, so a frozen tensor's gradient stays zero
    /// (clipping and norms then see what PyTorch's do: no gradient for a <c>requires_grad=False</c> weight).
    /// </summary>
    public void ClearWeightGradientWhileFrozen()
    {
        Line($"    if (!{Trainable("weight")})");
        Line("    {");
        Line($"        {Gradient("weight")}.Clear();");
        Line("    }");
    }

    /// <summary>A buffer's values: <c>buffers.Slice(offset, length)</c>, or <c>counters.Slice(offset, length)</c> for an integer one.</summary>
    public string Buffer(string suffix)
    {
        (string offset, int length, bool isCounter) = _buffers[suffix];
        return $"{(isCounter ? "counters" : "buffers")}.Slice({offset}, {Int(length)})";
    }

    /// <summary>The arena span of a saved tensor.</summary>
    public string Saved(string suffix) => _saved[suffix];

    /// <summary>
    /// The spans of the only consumer's backward pass, for an op that forms its output gradient from them
    /// (<see cref="Op.WithOutputGradientFrom"/>).
    /// </summary>
    public Graph.ConsumerSpans Consumer
        => _consumer ?? throw new System.InvalidOperationException("The step has no consumer spans: the op does not read its consumer's backward inputs.");

    /// <summary>The arena span of a saved tensor of the consumer (<see cref="Consumer"/>).</summary>
    public string ConsumerSaved(string suffix) => Consumer.Saved.Single(s => s.Suffix == suffix).Buffer;

    /// <summary>Whether the op has the parameter <paramref name="suffix"/>.</summary>
    public bool HasParameter(string suffix) => _parameters.ContainsKey(suffix);

    /// <summary>
    /// After a backward pass that turned <paramref name="gradient"/> into the first input's gradient in place: copies it
    /// to the input's gradient buffer when the planner gave that another buffer (the input feeds several nodes).
    /// </summary>
    public static void CopyGradient(OpEmitContext c, string gradient, string length)
    {
        if (c.InputGradients[0] is { } inputGradient && inputGradient != gradient)
        {
            c.Line($"{Kernels}.Elementwise.Copy({gradient}, {inputGradient}, {length});");
        }
    }

    /// <summary>Writes a line.</summary>
    public void Line(string text) => Writer.WriteLine(text);

    /// <summary><c>[B, n]</c>.</summary>
    public static string Shape(int features) => $"[B, {Int(features)}]";

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A long as diagnostics print it (sizes computed before they are known to fit an int).</summary>
    public static string Long(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>An image's planes as the image kernels take them after the batch: <c>channels, height, width</c>.</summary>
    public static string Planes(TensorShape image) => $"{Int(image.Channels)}, {Int(image.Height)}, {Int(image.Width)}";

    /// <summary>A C# string literal.</summary>
    public static string Literal(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>A float as PyTorch's module descriptions print it (<c>0.1</c>, <c>1e-05</c>), not as a C# literal.</summary>
    public static string Number(float value)
        => float.IsNaN(value) ? "nan" : value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e");

    /// <summary>A float literal that round-trips (<c>1e-05f</c>, <c>0.5f</c>).</summary>
    public static string Float(float value)
    {
        if (float.IsNaN(value))
        {
            return "float.NaN";
        }

        string text = value.ToString("R", CultureInfo.InvariantCulture);
        if (text.IndexOfAny(new[] { '.', 'E', 'e' }) < 0)
        {
            text += ".0";
        }

        return text + "f";
    }

    private string Slice(string buffer, string suffix)
    {
        (string offset, int length, _) = _parameters[suffix];
        return $"{buffer}.Slice({offset}, {Int(length)})";
    }
}
