using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>
/// One named tensor inside a <see cref="ParameterSet"/>: where it lives in the flat buffer and its
/// shape (PyTorch's <c>state_dict</c> name and layout, e.g. <c>layer1.weight</c> as <c>[out, in]</c>).
/// </summary>
public sealed class ParameterTensor
{
    /// <summary>Describes a tensor of the flat parameter buffer.</summary>
    /// <param name="name">The <c>state_dict</c> name, e.g. <c>layer1.weight</c>.</param>
    /// <param name="offset">The index of its first element in the flat buffer.</param>
    /// <param name="shape">Its dimensions, outermost first; each positive.</param>
    /// <param name="fanIn">The fan-in used for PyTorch's default initialization bound <c>1/sqrt(fanIn)</c>.</param>
    public ParameterTensor(string name, int offset, int[] shape, int fanIn)
        : this(name, offset, shape, fanIn, 0f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fanIn);
    }

    private ParameterTensor(string name, int offset, int[] shape, int fanIn, float constant)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentNullException.ThrowIfNull(shape);
        int length = Shapes.CheckedLength(name, shape, nameof(shape));
        Name = name;
        Offset = offset;
        Shape = (int[])shape.Clone();
        Length = length;
        FanIn = fanIn;
        InitialValue = constant;
    }

    /// <summary>
    /// Describes a tensor initialized to one value rather than drawn at random (PyTorch's norm layers: <c>weight</c>
    /// = 1, <c>bias</c> = 0).
    /// </summary>
    /// <param name="name">The <c>state_dict</c> name.</param>
    /// <param name="offset">The index of its first element in the flat buffer.</param>
    /// <param name="shape">Its dimensions; each positive.</param>
    /// <param name="value">Every element's initial value; finite.</param>
    /// <returns>The tensor, with <see cref="FanIn"/> 0.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not finite, or an argument is out of range.</exception>
    public static ParameterTensor Constant(string name, int offset, int[] shape, float value)
    {
        if (!float.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Expected a finite initial value.");
        }

        return new ParameterTensor(name, offset, shape, 0, value);
    }

    /// <summary>The <c>state_dict</c> name.</summary>
    public string Name { get; }

    /// <summary>The index of the first element in the flat buffer.</summary>
    public int Offset { get; }

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>
    /// Whether the tensor is trained (PyTorch's <c>requires_grad</c>): false once its layer is frozen with
    /// <see cref="ParameterSet.Freeze"/>, and then training steps leave its gradient at zero and optimizers skip it.
    /// </summary>
    public bool RequiresGrad { get; internal set; } = true;

    /// <summary>The fan-in that sets the default initialization bound, or 0 for a <see cref="Constant"/> tensor.</summary>
    public int FanIn { get; }

    /// <summary>Whether <see cref="ParameterSet.Initialize"/> fills the tensor with <see cref="InitialValue"/> instead of drawing it.</summary>
    public bool IsConstant => FanIn == 0;

    /// <summary>A constant tensor's initial value (0 for a drawn one).</summary>
    public float InitialValue { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} [{string.Join(", ", Shape)}]";
}
