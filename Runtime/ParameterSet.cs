using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>
/// All trainable parameters of a model in one contiguous buffer, their gradients in another of the
/// same layout, and the named tensors that partition them. Optimizers run one flat pass over these
/// buffers; layers see named views of them.
/// </summary>
public sealed class ParameterSet
{
    private readonly float[] _values;
    private readonly float[] _gradients;
    private readonly ParameterTensor[] _tensors;

    /// <summary>Creates zeroed buffers for <paramref name="tensors"/>, which must tile the buffer in order without gaps.</summary>
    /// <param name="tensors">The tensors, in buffer order.</param>
    public ParameterSet(IReadOnlyList<ParameterTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0)
        {
            throw new ArgumentException("Expected at least one tensor.", nameof(tensors));
        }

        _tensors = new ParameterTensor[tensors.Count];
        int next = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            ParameterTensor tensor = tensors[i];
            if (tensor.Offset != next)
            {
                throw new ArgumentException($"Tensor '{tensor.Name}' starts at {tensor.Offset}; expected {next} (tensors must tile the buffer in order).", nameof(tensors));
            }

            _tensors[i] = tensor;
            next = checked(next + tensor.Length);
        }

        _values = new float[next];
        _gradients = new float[next];
    }

    /// <summary>The total number of scalar parameters.</summary>
    public int Count => _values.Length;

    /// <summary>All parameter values, tensors back to back.</summary>
    public Span<float> Values => _values;

    /// <summary>The gradients, same layout as <see cref="Values"/>. A training step overwrites them.</summary>
    public Span<float> Gradients => _gradients;

    /// <summary>The named tensors, in buffer order.</summary>
    public IReadOnlyList<ParameterTensor> Tensors => _tensors;

    /// <summary>The values of one tensor.</summary>
    /// <param name="tensor">A tensor of this set.</param>
    public Span<float> ValuesOf(ParameterTensor tensor) => _values.AsSpan(tensor.Offset, tensor.Length);

    /// <summary>The gradient of one tensor.</summary>
    /// <param name="tensor">A tensor of this set.</param>
    public Span<float> GradientsOf(ParameterTensor tensor) => _gradients.AsSpan(tensor.Offset, tensor.Length);

    /// <summary>Finds a tensor by its <c>state_dict</c> name.</summary>
    /// <param name="name">The name, e.g. <c>layer1.weight</c>.</param>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public ParameterTensor this[string name]
    {
        get
        {
            foreach (ParameterTensor tensor in _tensors)
            {
                if (string.Equals(tensor.Name, name, StringComparison.Ordinal))
                {
                    return tensor;
                }
            }

            throw new KeyNotFoundException($"No parameter named '{name}'. Known: {string.Join(", ", (IEnumerable<ParameterTensor>)_tensors)}.");
        }
    }

    /// <summary>
    /// Initializes every tensor as PyTorch does by default: <c>U(-1/sqrt(fanIn), 1/sqrt(fanIn))</c> (<c>nn.Linear</c>),
    /// drawn from <paramref name="rng"/> in buffer order, and constant tensors (a norm's weight and bias) filled with
    /// their value without drawing.
    /// </summary>
    /// <param name="rng">The generator; a seeded one makes the initialization reproducible.</param>
    public void Initialize(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        foreach (ParameterTensor tensor in _tensors)
        {
            if (tensor.IsConstant)
            {
                ValuesOf(tensor).Fill(tensor.InitialValue);
                continue;
            }

            float bound = 1.0f / MathF.Sqrt(tensor.FanIn);
            Span<float> values = ValuesOf(tensor);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = rng.NextSingle(-bound, bound);
            }
        }
    }
}
