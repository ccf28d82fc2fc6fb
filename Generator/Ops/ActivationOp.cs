using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// An elementwise activation as its own node (<c>nn.GELU()</c>, <c>nn.LeakyReLU(0.2)</c>...), declared alone or after a
/// layer. It runs in place. Its backward pass takes the derivative from the output when the activation allows it
/// (ReLU, Sigmoid, Tanh, ReLU6, LeakyReLU and ELU with a positive parameter), else from the input, which then stays alive.
/// </summary>
/// <param name="Kind">The activation.</param>
/// <param name="Alpha">LeakyReLU's <c>negative_slope</c>, ELU's <c>alpha</c>, Softplus's <c>beta</c>; 0 otherwise.</param>
/// <param name="Threshold">Softplus's <c>threshold</c>; 0 otherwise.</param>
internal sealed record ActivationOp(ActivationKind Kind, float Alpha, float Threshold) : Op
{
    /// <summary>The parse rule of an activation without arguments (<c>[ReLU]</c>, <c>[SiLU]</c>).</summary>
    public static System.Func<AttributeReader, Op?> Plain(ActivationKind kind) => _ => new ActivationOp(kind, 0f, 0f);

    /// <summary>Parses <c>[LeakyReLU(NegativeSlope = 0.01f)]</c>.</summary>
    public static Op? ParseLeakyReLU(AttributeReader r)
        => Finite(r, "NegativeSlope", r.Float("NegativeSlope", 0, 0.01f)) is { } slope ? new ActivationOp(ActivationKind.LeakyReLU, slope, 0f) : null;

    /// <summary>Parses <c>[ELU(Alpha = 1f)]</c>.</summary>
    public static Op? ParseELU(AttributeReader r)
        => Finite(r, "Alpha", r.Float("Alpha", 0, 1f)) is { } alpha ? new ActivationOp(ActivationKind.ELU, alpha, 0f) : null;

    /// <summary>Parses <c>[GELU(Approximate = "none")]</c>: <c>"none"</c> (the erf form) or <c>"tanh"</c>.</summary>
    public static Op? ParseGELU(AttributeReader r)
    {
        string? approximate = r.String("Approximate", 0, "none");
        switch (approximate)
        {
            case "none":
                return new ActivationOp(ActivationKind.GELU, 0f, 0f);
            case "tanh":
                return new ActivationOp(ActivationKind.GELUTanh, 0f, 0f);
            default:
                r.InvalidArgument("Approximate", approximate is null ? "null" : $"\"{approximate}\"", "use \"none\" (the exact erf form) or \"tanh\", as torch.nn.GELU does");
                return null;
        }
    }

    /// <summary>Parses <c>[Softplus(Beta = 1f, Threshold = 20f)]</c>.</summary>
    public static Op? ParseSoftplus(AttributeReader r)
    {
        float beta = r.Float("Beta", 0, 1f);
        float threshold = r.Float("Threshold", 1, 20f);
        if (!(beta > 0f) || float.IsInfinity(beta))
        {
            r.InvalidArgument("Beta", AttributeReader.Format(beta), "it must be finite and positive");
            return null;
        }

        return Finite(r, "Threshold", threshold) is { } t ? new ActivationOp(ActivationKind.Softplus, beta, t) : null;
    }

    private static float? Finite(AttributeReader r, string name, float value)
    {
        if (float.IsNaN(value) || float.IsInfinity(value))
        {
            r.InvalidArgument(name, AttributeReader.Format(value), "it must be a finite number");
            return null;
        }

        return value;
    }

    public override string Name => Kind.ToString();

    /// <summary>Whether the derivative is a function of the output alone (mirrors <c>ElementwiseActivation.CanBackwardFromOutput</c>).</summary>
    public bool BackwardFromOutput => Kind switch
    {
        ActivationKind.None or ActivationKind.ReLU or ActivationKind.Sigmoid or ActivationKind.Tanh or ActivationKind.ReLU6 => true,
        ActivationKind.LeakyReLU or ActivationKind.ELU => Alpha > 0f,
        _ => false,
    };

    public override bool TakesImages => true;

    public override TensorShape OutputShape(EquatableArray<TensorShape> inputs) => inputs[0];

    public override bool BackwardReadsInputs => !BackwardFromOutput;

    public override bool BackwardReadsOutput => BackwardFromOutput;

    public override bool RunsInPlace => true;

    public override bool GradientInPlace => true;

    public override string Describe(EquatableArray<TensorShape> inputs, TensorShape output) => Kind switch
    {
        ActivationKind.LeakyReLU => $"LeakyReLU(negative_slope={OpEmitContext.Number(Alpha)})",
        ActivationKind.ELU => $"ELU(alpha={OpEmitContext.Number(Alpha)})",
        ActivationKind.Softplus => $"Softplus(beta={OpEmitContext.Number(Alpha)}, threshold={OpEmitContext.Number(Threshold)})",
        ActivationKind.GELUTanh => "GELU(approximate='tanh')",
        _ => Kind.ToString(),
    };

    public override string Construct(string parameterSet, System.Collections.Generic.IReadOnlyList<string> tensors, EquatableArray<TensorShape> inputs)
        => $"new global::StaticGrad.ActivationLayer({Activation}, {OpEmitContext.Float(Alpha)}, {OpEmitContext.Float(Threshold)})";

    public override string OnnxExpression(OnnxEmitContext c)
        => OnnxEmitContext.Call("Activation", c.Input, $"{OpEmitContext.Kernels}.Activation.{Kind}", OpEmitContext.Float(Alpha), OpEmitContext.Float(Threshold));

    public override void EmitForward(OpEmitContext c, bool training)
    {
        c.Line($"// {c.Output} {c.OutputShape} = {Describe(default, default)}({c.Input}){(c.Output == c.Input ? " in place" : string.Empty)}");
        c.Line($"{OpEmitContext.Kernels}.ElementwiseActivation.Forward({c.Input}, {c.Output}, batch * {OpEmitContext.Int(c.OutputFeatures)}, {Activation}, {OpEmitContext.Float(Alpha)}, {OpEmitContext.Float(Threshold)});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        string gradient = c.OutputGradient;
        string length = $"batch * {OpEmitContext.Int(c.OutputFeatures)}";
        if (BackwardFromOutput)
        {
            c.Line($"//   {gradient} *= {Kind}'({c.Output}) in place, the derivative from the output");
            c.Line($"{OpEmitContext.Kernels}.ElementwiseActivation.BackwardFromOutput({gradient}, {c.Output}, {length}, {Activation}, {OpEmitContext.Float(Alpha)});");
        }
        else
        {
            c.Line($"//   {gradient} *= {Kind}'({c.Input}) in place, the derivative from the input");
            c.Line($"{OpEmitContext.Kernels}.ElementwiseActivation.BackwardFromInput({gradient}, {c.Input}, {length}, {Activation}, {OpEmitContext.Float(Alpha)}, {OpEmitContext.Float(Threshold)});");
        }

        OpEmitContext.CopyGradient(c, gradient, length);
    }

    private string Activation => $"{OpEmitContext.Kernels}.Activation.{Kind}";
}
