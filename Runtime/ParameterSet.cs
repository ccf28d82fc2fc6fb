using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>
/// A model's state, PyTorch's <c>state_dict</c>: all trainable parameters in one contiguous buffer, their gradients
/// in another of the same layout, and the named tensors that partition them; plus the model's non-trainable buffers
/// (batch norm running statistics as floats, batch counters as 64-bit integers). Optimizers run one flat pass over
/// the parameters and never see the buffers; layers see named views of both.
/// </summary>
public sealed class ParameterSet
{
    private readonly float[] _values;
    private readonly float[] _gradients;
    private readonly ParameterTensor[] _tensors;
    private readonly BufferTensor[] _buffers;
    private readonly float[] _bufferValues;
    private readonly long[] _counters;

    /// <summary>Creates zeroed buffers for <paramref name="tensors"/>, which must tile the buffer in order without gaps.</summary>
    /// <param name="tensors">The tensors, in buffer order.</param>
    public ParameterSet(IReadOnlyList<ParameterTensor> tensors)
        : this(tensors, Array.Empty<BufferTensor>())
    {
    }

    /// <summary>
    /// Creates zeroed storage for <paramref name="tensors"/> and <paramref name="buffers"/>. The tensors must tile the
    /// parameter buffer in order without gaps; the float buffers and the integer buffers each tile their own storage.
    /// </summary>
    /// <param name="tensors">The trainable tensors, in buffer order.</param>
    /// <param name="buffers">The non-trainable buffers, each element type in storage order; names distinct from the tensors'.</param>
    /// <exception cref="ArgumentException">A tensor or buffer is null or out of place, a name repeats, or the tensors or the buffers of one element type hold more elements than an array.</exception>
    public ParameterSet(IReadOnlyList<ParameterTensor> tensors, IReadOnlyList<BufferTensor> buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0)
        {
            throw new ArgumentException("Expected at least one tensor.", nameof(tensors));
        }

        _tensors = new ParameterTensor[tensors.Count];
        int next = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            ParameterTensor tensor = tensors[i] ?? throw new ArgumentException($"tensors[{i}] is null.", nameof(tensors));
            if (tensor.Offset != next)
            {
                throw new ArgumentException($"Tensor '{tensor.Name}' starts at {tensor.Offset}; expected {next} (tensors must tile the buffer in order).", nameof(tensors));
            }

            _tensors[i] = tensor;
            next = StorageEnd(next, tensor.Length, tensor.Name, "parameters", nameof(tensors));
        }

        _values = new float[next];
        _gradients = new float[next];

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (ParameterTensor tensor in _tensors)
        {
            if (!names.Add(tensor.Name))
            {
                throw new ArgumentException($"Two tensors are named '{tensor.Name}'.", nameof(tensors));
            }
        }

        _buffers = new BufferTensor[buffers.Count];
        int nextFloat = 0;
        int nextCounter = 0;
        for (int i = 0; i < buffers.Count; i++)
        {
            BufferTensor buffer = buffers[i] ?? throw new ArgumentException($"buffers[{i}] is null.", nameof(buffers));
            ref int expected = ref buffer.ElementType == BufferElementType.Int64 ? ref nextCounter : ref nextFloat;
            if (buffer.Offset != expected)
            {
                throw new ArgumentException($"Buffer '{buffer.Name}' starts at {buffer.Offset}; expected {expected} (the {buffer.DType} buffers must tile their storage in order).", nameof(buffers));
            }

            if (!names.Add(buffer.Name))
            {
                throw new ArgumentException($"The name '{buffer.Name}' is used twice.", nameof(buffers));
            }

            _buffers[i] = buffer;
            expected = StorageEnd(expected, buffer.Length, buffer.Name, $"{buffer.DType} buffers", nameof(buffers));
        }

        _bufferValues = new float[nextFloat];
        _counters = new long[nextCounter];
    }

    /// <summary>Where storage that holds <paramref name="start"/> elements ends after a tensor of <paramref name="length"/>; throws unless an array holds it.</summary>
    private static int StorageEnd(int start, int length, string name, string storage, string paramName)
    {
        long end = (long)start + length;
        if (end > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(
                paramName, $"The {storage} up to '{name}' hold {end} elements; expected at most {Array.MaxLength} (the largest array).");
        }

        return (int)end;
    }

    /// <summary>The total number of scalar parameters.</summary>
    public int Count => _values.Length;

    /// <summary>All parameter values, tensors back to back.</summary>
    public Span<float> Values => _values;

    /// <summary>The gradients, same layout as <see cref="Values"/>. A training step overwrites them.</summary>
    public Span<float> Gradients => _gradients;

    /// <summary>The named tensors, in buffer order.</summary>
    public IReadOnlyList<ParameterTensor> Tensors => _tensors;

    /// <summary>The non-trainable buffers (running statistics, batch counters), in <c>state_dict</c> order.</summary>
    public IReadOnlyList<BufferTensor> Buffers => _buffers;

    /// <summary>All float buffers back to back (<see cref="BufferElementType.Float32"/> buffers' storage).</summary>
    public Span<float> BufferValues => _bufferValues;

    /// <summary>All integer buffers back to back (<see cref="BufferElementType.Int64"/> buffers' storage).</summary>
    public Span<long> Counters => _counters;

    /// <summary>The values of a float buffer.</summary>
    /// <param name="buffer">A <see cref="BufferElementType.Float32"/> buffer of this set.</param>
    /// <exception cref="ArgumentException">The buffer holds integers, or is not one of <see cref="Buffers"/>.</exception>
    public Span<float> ValuesOf(BufferTensor buffer)
    {
        Own(buffer);
        return buffer.ElementType == BufferElementType.Float32
            ? _bufferValues.AsSpan(buffer.Offset, buffer.Length)
            : throw new ArgumentException($"Buffer '{buffer.Name}' holds 64-bit integers; use CountersOf.", nameof(buffer));
    }

    /// <summary>The values of an integer buffer.</summary>
    /// <param name="buffer">A <see cref="BufferElementType.Int64"/> buffer of this set.</param>
    /// <exception cref="ArgumentException">The buffer holds floats, or is not one of <see cref="Buffers"/>.</exception>
    public Span<long> CountersOf(BufferTensor buffer)
    {
        Own(buffer);
        return buffer.ElementType == BufferElementType.Int64
            ? _counters.AsSpan(buffer.Offset, buffer.Length)
            : throw new ArgumentException($"Buffer '{buffer.Name}' holds floats; use ValuesOf.", nameof(buffer));
    }

    /// <summary>Finds a buffer by its <c>state_dict</c> name.</summary>
    /// <param name="name">The name, e.g. <c>bn1.running_mean</c>.</param>
    /// <param name="buffer">The buffer, or null.</param>
    /// <returns>Whether the set has a buffer of that name.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public bool TryGetBuffer(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out BufferTensor? buffer)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (BufferTensor candidate in _buffers)
        {
            if (string.Equals(candidate.Name, name, StringComparison.Ordinal))
            {
                buffer = candidate;
                return true;
            }
        }

        buffer = null;
        return false;
    }

    /// <summary>
    /// Freezes a layer (PyTorch's <c>requires_grad_(False)</c> on its parameters): every tensor named
    /// <paramref name="prefix"/> or starting with <c>prefix + "."</c> stops training. Its gradient is set to zero and
    /// stays zero (generated training steps skip its weight-gradient work), and optimizers and gradient clipping leave
    /// it alone. Optimizers count steps per tensor, as PyTorch does per parameter: a tensor unfrozen mid-run starts its
    /// own bias correction (Adam) and momentum buffer (SGD) from its first step.
    /// </summary>
    /// <param name="prefix">A layer's <c>state_dict</c> prefix (<c>fc1</c>) or a tensor's full name (<c>fc1.bias</c>).</param>
    /// <returns>How many tensors it names.</returns>
    /// <exception cref="ArgumentException">No tensor has that name or prefix.</exception>
    public int Freeze(string prefix) => SetRequiresGrad(prefix, false);

    /// <summary>Makes the tensors <paramref name="prefix"/> names train again (the inverse of <see cref="Freeze"/>).</summary>
    /// <param name="prefix">A layer's <c>state_dict</c> prefix or a tensor's full name.</param>
    /// <returns>How many tensors it names.</returns>
    /// <exception cref="ArgumentException">No tensor has that name or prefix.</exception>
    public int Unfreeze(string prefix) => SetRequiresGrad(prefix, true);

    /// <summary>Whether every tensor trains (no layer is frozen).</summary>
    public bool AllTrainable
    {
        get
        {
            foreach (ParameterTensor tensor in _tensors)
            {
                if (!tensor.RequiresGrad)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Scalars in tensors that train.</summary>
    public int TrainableCount
    {
        get
        {
            int count = 0;
            foreach (ParameterTensor tensor in _tensors)
            {
                count += tensor.RequiresGrad ? tensor.Length : 0;
            }

            return count;
        }
    }

    /// <summary>
    /// Calls <paramref name="step"/> once per run of consecutive trainable tensors whose <paramref name="stepsTaken"/> are
    /// equal, with that count: an optimizer passes over the trained parameters only (one call when nothing is frozen and
    /// every tensor has taken as many steps), and a tensor that has taken fewer steps than the others (frozen for a while,
    /// as PyTorch counts steps per parameter) gets its own call.
    /// </summary>
    /// <typeparam name="TState">The caller's state.</typeparam>
    /// <param name="state">Passed to every call of <paramref name="step"/>.</param>
    /// <param name="stepsTaken">One count per tensor of <see cref="Tensors"/>.</param>
    /// <param name="step">Receives the offset and the length of one run, and its tensors' count.</param>
    internal void ForEachTrainableRun<TState>(ref TState state, ReadOnlySpan<long> stepsTaken, TrainableRunAction<TState> step)
        where TState : struct
    {
        int start = -1;
        int end = 0;
        long steps = 0;
        for (int i = 0; i < _tensors.Length; i++)
        {
            ParameterTensor tensor = _tensors[i];
            if (start >= 0 && (!tensor.RequiresGrad || stepsTaken[i] != steps))
            {
                step(ref state, start, end - start, steps);
                start = -1;
            }

            if (tensor.RequiresGrad)
            {
                if (start < 0)
                {
                    (start, steps) = (tensor.Offset, stepsTaken[i]);
                }

                end = tensor.Offset + tensor.Length;
            }
        }

        if (start >= 0)
        {
            step(ref state, start, end - start, steps);
        }
    }

    /// <summary>
    /// Copies this set's state as PyTorch's <c>state_dict</c> holds it (the parameters, and the buffers: batch norm's
    /// running statistics and counters) into <paramref name="other"/>, a set of the same tensors and buffers (early
    /// stopping's best epoch).
    /// </summary>
    internal void CopyStateTo(ParameterSet other)
    {
        Values.CopyTo(other.Values);
        BufferValues.CopyTo(other.BufferValues);
        Counters.CopyTo(other.Counters);
    }

    /// <summary>
    /// Exchanges this set's state (as <see cref="CopyStateTo"/> copies it) with <paramref name="other"/>'s, element by
    /// element so that nothing is allocated.
    /// </summary>
    internal void SwapStateWith(ParameterSet other)
    {
        if (other.Values.Length != Values.Length || other.BufferValues.Length != BufferValues.Length || other.Counters.Length != Counters.Length)
        {
            throw new ArgumentException("The two sets hold different tensors or buffers; expected sets of the same ones.", nameof(other));
        }

        Swap(Values, other.Values);
        Swap(BufferValues, other.BufferValues);
        Swap(Counters, other.Counters);

        static void Swap<T>(Span<T> a, Span<T> b)
        {
            for (int i = 0; i < a.Length; i++)
            {
                (a[i], b[i]) = (b[i], a[i]);
            }
        }
    }

    /// <summary>Adds one to the count of every trainable tensor (after an optimizer step).</summary>
    /// <param name="stepsTaken">One count per tensor of <see cref="Tensors"/>.</param>
    internal void CountTrainableStep(Span<long> stepsTaken)
    {
        for (int i = 0; i < _tensors.Length; i++)
        {
            stepsTaken[i] += _tensors[i].RequiresGrad ? 1 : 0;
        }
    }

    private int SetRequiresGrad(string prefix, bool value)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        int count = 0;
        foreach (ParameterTensor tensor in _tensors)
        {
            if (tensor.Name == prefix || tensor.Name.StartsWith(prefix + ".", StringComparison.Ordinal))
            {
                tensor.RequiresGrad = value;
                GradientsOf(tensor).Clear();
                count++;
            }
        }

        if (count == 0)
        {
            var layers = new List<string>();
            foreach (ParameterTensor tensor in _tensors)
            {
                string layer = tensor.Name.Contains('.', StringComparison.Ordinal) ? tensor.Name.Substring(0, tensor.Name.LastIndexOf('.')) : tensor.Name;
                if (!layers.Contains(layer))
                {
                    layers.Add(layer);
                }
            }

            throw new ArgumentException($"No parameter is named '{prefix}' or starts with '{prefix}.'. The layers with parameters: {string.Join(", ", layers)}.", nameof(prefix));
        }

        return count;
    }

    /// <summary>Sets every gradient to zero (PyTorch's <c>zero_grad()</c>), before accumulating micro-batches.</summary>
    public void ZeroGradients() => Array.Clear(_gradients);

    /// <summary>
    /// Adds <paramref name="scale"/> times <paramref name="gradients"/> to the gradients of the trainable tensors, as
    /// PyTorch's <c>(loss * scale).backward()</c> adds to <c>.grad</c> without <c>zero_grad()</c>; a frozen tensor's
    /// gradient is left as it is (zero), as autograd leaves a tensor with <c>requires_grad=False</c>. Generated models'
    /// <c>AccumulateGradients</c> and <c>AccumulateBackward</c> add their step's gradients with it: their buffer still holds
    /// a frozen tensor's gradient from a call before it was frozen (the generated step skips a frozen tensor's gradient
    /// work), which must not reach the frozen gradient, the norm clipping sees or a later unfreeze.
    /// </summary>
    /// <param name="gradients">One value per parameter, laid out as <see cref="Gradients"/>; must not overlap them.</param>
    /// <param name="scale">The weight of these gradients; finite.</param>
    /// <exception cref="ArgumentException"><paramref name="gradients"/> does not hold <see cref="Count"/> values, or overlaps <see cref="Gradients"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is not finite.</exception>
    public void AddScaledGradients(ReadOnlySpan<float> gradients, float scale)
    {
        if (gradients.Length != _gradients.Length)
        {
            throw new ArgumentException($"gradients has {gradients.Length} values; expected {_gradients.Length} (one per parameter).", nameof(gradients));
        }

        // Both checked before anything is added: with frozen tensors the kernel runs tensor by tensor, and would find a
        // bad scale only at a trainable one (never, if all are frozen) and an overlap only after adding the tensors before it.
        if (!float.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "Expected a finite scale.");
        }

        if (gradients.Overlaps(_gradients))
        {
            throw new ArgumentException("gradients overlaps the parameter set's own gradients; expected a separate buffer.", nameof(gradients));
        }

        if (AllTrainable)
        {
            Kernels.Elementwise.AddScaled(gradients, scale, _gradients, _gradients.Length);
            return;
        }

        foreach (ParameterTensor tensor in _tensors)
        {
            if (tensor.RequiresGrad)
            {
                Kernels.Elementwise.AddScaled(gradients.Slice(tensor.Offset, tensor.Length), scale, GradientsOf(tensor), tensor.Length);
            }
        }
    }

    /// <summary>The values of one tensor.</summary>
    /// <param name="tensor">A tensor of this set (one of <see cref="Tensors"/>, or of a set built over the same tensors).</param>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> is not one of <see cref="Tensors"/> (another model's, say).</exception>
    public Span<float> ValuesOf(ParameterTensor tensor)
    {
        Own(tensor);
        return _values.AsSpan(tensor.Offset, tensor.Length);
    }

    /// <summary>The gradient of one tensor.</summary>
    /// <param name="tensor">A tensor of this set (one of <see cref="Tensors"/>, or of a set built over the same tensors).</param>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> is not one of <see cref="Tensors"/> (another model's, say).</exception>
    public Span<float> GradientsOf(ParameterTensor tensor)
    {
        Own(tensor);
        return _gradients.AsSpan(tensor.Offset, tensor.Length);
    }

    /// <summary>Throws unless <paramref name="buffer"/> is one of <see cref="Buffers"/> (a model has a few).</summary>
    private void Own(BufferTensor buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (Array.IndexOf(_buffers, buffer) < 0)
        {
            throw new ArgumentException(
                $"The buffer '{buffer.Name}' is not one of this set's buffers (is it another model's?); expected one of Buffers.", nameof(buffer));
        }
    }

    /// <summary>
    /// Throws unless <paramref name="tensor"/> is one of <see cref="Tensors"/>: a tensor of another set would give a view of
    /// whatever this set holds at its offset. The tensors tile the buffer in order, so its offset finds it.
    /// </summary>
    private void Own(ParameterTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        int low = 0, high = _tensors.Length - 1;
        while (low <= high)
        {
            int middle = low + ((high - low) / 2);
            int offset = _tensors[middle].Offset;
            if (offset == tensor.Offset)
            {
                if (ReferenceEquals(_tensors[middle], tensor) || Array.IndexOf(_tensors, tensor) >= 0)
                {
                    return;
                }

                break;
            }

            if (offset < tensor.Offset)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        throw new ArgumentException(
            $"The tensor '{tensor.Name}' is not one of this set's tensors (is it another model's?); expected one of Tensors, e.g. set['{tensor.Name}'].", nameof(tensor));
    }

    /// <summary>Finds a tensor by its <c>state_dict</c> name.</summary>
    /// <param name="name">The name, e.g. <c>layer1.weight</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public ParameterTensor this[string name]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(name);
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
    /// <remarks>Buffers are reset to their initial values (running mean 0, running variance 1, counters 0).</remarks>
    public void Initialize(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        foreach (BufferTensor buffer in _buffers)
        {
            if (buffer.ElementType == BufferElementType.Int64)
            {
                CountersOf(buffer).Fill((long)buffer.InitialValue);
            }
            else
            {
                ValuesOf(buffer).Fill((float)buffer.InitialValue);
            }
        }

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
