using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Google.Protobuf;
using StaticGrad.Checkpoints;
using StaticGrad.Onnx.Proto;

namespace StaticGrad.Onnx;

/// <summary>
/// Builds an ONNX model (opset 17, IR version 8) one node at a time, in data-flow order, for inference: each op
/// method takes the names of its input tensors and returns the name of the tensor it produces, so a model's ops
/// lower to a few calls each. Float32 throughout; the first dimension of every graph input and output is the
/// symbolic <c>batch</c>, so one file serves any batch size.
/// </summary>
/// <remarks>
/// <para>
/// Weights become initializers under their <c>state_dict</c> names (<see cref="AddStateDict"/>): the file and a
/// PyTorch checkpoint name the same tensors. Ops follow PyTorch's eval-mode semantics: dropout is the identity,
/// batch norm uses its running statistics, average pooling counts the padding (<c>count_include_pad=True</c>).
/// </para>
/// <para>
/// Every input a node names must already exist (a graph input, an initializer or an earlier node's output), every
/// tensor is produced once and every graph output has its own name, so a mistake throws at the call that made it
/// rather than when a runtime loads the file, and a refused call leaves the graph as it was, also an op of several
/// nodes refused at its last one.
/// The protobuf wire format is written with Google.Protobuf's <see cref="CodedOutputStream"/>; no native code.
/// </para>
/// </remarks>
public sealed partial class OnnxGraphBuilder
{
    /// <summary>The ONNX operator set the nodes follow.</summary>
    public const int OpsetVersion = 17;

    /// <summary>The ONNX IR version written (8: ONNX 1.10 to 1.12, the one that goes with opset 17).</summary>
    public const int IrVersion = 8;

    /// <summary>The symbolic name of the batch dimension of every graph input and output.</summary>
    public const string BatchDimension = "batch";

    private readonly List<NodeProto> _nodes = new();
    private readonly List<TensorProto> _initializers = new();
    private readonly List<ValueInfoProto> _inputs = new();
    private readonly List<ValueInfoProto> _outputs = new();
    private readonly HashSet<string> _outputNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _tensors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _opCounts = new(StringComparer.Ordinal);
    private int _nextTensor;

    /// <summary>Starts an empty graph.</summary>
    /// <param name="graphName">The graph's name (for example the model's class name).</param>
    public OnnxGraphBuilder(string graphName = "staticgrad")
    {
        ArgumentException.ThrowIfNullOrEmpty(graphName);
        GraphName = graphName;
    }

    /// <summary>The graph's name.</summary>
    public string GraphName { get; }

    /// <summary>The number of nodes added so far.</summary>
    public int NodeCount => _nodes.Count;

    /// <summary>Whether a tensor of this name exists (a graph input, an initializer or a node's output).</summary>
    /// <param name="name">The tensor name.</param>
    /// <returns>True if it exists.</returns>
    public bool HasTensor(string name) => _tensors.Contains(name);

    /// <summary>Declares a float32 graph input of shape <c>[batch, featureShape...]</c>.</summary>
    /// <param name="name">The input's name (for example <c>input</c>).</param>
    /// <param name="featureShape">The dimensions after the batch: <c>784</c>, or <c>1, 28, 28</c> for images.</param>
    /// <returns><paramref name="name"/>.</returns>
    public string Input(string name, params int[] featureShape)
    {
        ValueInfoProto input = ValueInfo(name, featureShape);
        Declare(name);
        _inputs.Add(input);
        return name;
    }

    /// <summary>
    /// Declares a graph output of shape <c>[batch, featureShape...]</c>. When <paramref name="name"/> differs from
    /// <paramref name="tensor"/>, an Identity node gives the tensor its output name.
    /// </summary>
    /// <param name="tensor">An existing tensor.</param>
    /// <param name="name">The output's name (for example <c>logits</c>), or null to keep the tensor's.</param>
    /// <param name="featureShape">The dimensions after the batch.</param>
    /// <returns>The output's name.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="tensor"/> does not exist; the output's name is already a graph output (ONNX output names are
    /// unique); or <paramref name="name"/> differs from <paramref name="tensor"/> and names an existing tensor. The
    /// graph is then unchanged.
    /// </exception>
    public string Output(string tensor, string? name, params int[] featureShape)
    {
        Require(tensor);
        string output = name ?? tensor;
        ValueInfoProto info = ValueInfo(output, featureShape);
        if (_outputNames.Contains(output))
        {
            throw new ArgumentException(
                $"'{output}' is already an output of graph '{GraphName}'; expected a name that is not yet a graph output (ONNX output names are unique).",
                name is null ? nameof(tensor) : nameof(name));
        }

        if (output != tensor)
        {
            CheckNewTensor(output, nameof(name));
            Node("Identity", [tensor], [], output);
        }

        _outputNames.Add(output);
        _outputs.Add(info);
        return output;
    }

    /// <summary>Adds a float32 initializer (a weight or a constant).</summary>
    /// <param name="name">The tensor's name, unique in the graph (for weights the <c>state_dict</c> name, <c>fc1.weight</c>).</param>
    /// <param name="values">The elements, row-major.</param>
    /// <param name="shape">The dimensions; their product is the number of values (empty for a scalar).</param>
    /// <returns><paramref name="name"/>.</returns>
    /// <exception cref="ArgumentException">The name exists already or the shape does not fit the values.</exception>
    public string Initializer(string name, ReadOnlySpan<float> values, params long[] shape)
    {
        byte[] raw = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(4 * i), values[i]);
        }

        return AddInitializer(name, TensorProto.Float, values.Length, shape, raw);
    }

    /// <summary>Adds an int64 initializer (a shape for <see cref="Reshape"/>).</summary>
    /// <param name="name">The tensor's name, unique in the graph.</param>
    /// <param name="values">The elements.</param>
    /// <param name="shape">The dimensions; their product is the number of values.</param>
    /// <returns><paramref name="name"/>.</returns>
    public string Int64Initializer(string name, ReadOnlySpan<long> values, params long[] shape)
    {
        byte[] raw = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(8 * i), values[i]);
        }

        return AddInitializer(name, TensorProto.Int64, values.Length, shape, raw);
    }

    /// <summary>
    /// Adds every parameter and every float buffer (a batch norm's running statistics) of a model as initializers
    /// under its <c>state_dict</c> name and shape; integer buffers (<c>num_batches_tracked</c>) are not needed for
    /// inference and are left out.
    /// </summary>
    /// <param name="parameters">The model's parameters (<c>model.Parameters</c>).</param>
    /// <exception cref="ArgumentException">A tensor of one of the names exists already; the graph is then unchanged.</exception>
    public void AddStateDict(ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Operation(() =>
        {
            foreach (ParameterTensor tensor in parameters.Tensors)
            {
                Initializer(tensor.Name, parameters.ValuesOf(tensor), ToLongs(tensor.Shape));
            }

            foreach (BufferTensor buffer in parameters.Buffers)
            {
                if (buffer.ElementType != BufferElementType.Int64)
                {
                    Initializer(buffer.Name, parameters.ValuesOf(buffer), ToLongs(buffer.Shape));
                }
            }
        });
    }

    /// <summary>A float32 constant of one value with shape <c>[]</c>, added once per value and shared.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The constant's tensor name.</returns>
    public string Scalar(float value) => Constant(value, 0);

    /// <summary>A float32 constant <c>[length]</c> filled with <paramref name="value"/> (ones for a scale, zeros for a bias), added once and shared.</summary>
    /// <param name="value">The value of every element.</param>
    /// <param name="length">The number of elements; positive.</param>
    /// <returns>The constant's tensor name.</returns>
    public string Filled(float value, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return Constant(value, length);
    }

    /// <summary>The model: graph, opset 17 import, producer <c>StaticGrad</c>.</summary>
    /// <returns>The encoded ModelProto.</returns>
    /// <exception cref="InvalidOperationException">The graph has no input or no output.</exception>
    public byte[] ToArray()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>Writes the encoded model to <paramref name="stream"/>.</summary>
    /// <param name="stream">A writable stream (left open).</param>
    /// <exception cref="InvalidOperationException">The graph has no input or no output.</exception>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ModelProto model = Model();
        using var output = new CodedOutputStream(stream, leaveOpen: true);
        model.WriteTo(output);
        output.Flush();
    }

    /// <summary>Writes the model to <paramref name="path"/> atomically (<see cref="AtomicFile"/>), conventionally <c>*.onnx</c>.</summary>
    /// <param name="path">The destination.</param>
    /// <exception cref="InvalidOperationException">The graph has no input or no output.</exception>
    /// <exception cref="IOException">Writing failed; the previous file is intact.</exception>
    public void Save(string path)
    {
        ModelProto model = Model();
        AtomicFile.Write(path, stream =>
        {
            using var output = new CodedOutputStream(stream, leaveOpen: true);
            model.WriteTo(output);
            output.Flush();
        });
    }

    private ModelProto Model()
    {
        if (_inputs.Count == 0 || _outputs.Count == 0)
        {
            throw new InvalidOperationException($"Graph '{GraphName}' needs at least one input and one output (Input, Output) before it is written.");
        }

        var graph = new GraphProto(GraphName, _nodes.ToArray(), _initializers.ToArray(), _inputs.ToArray(), _outputs.ToArray());
        string version = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        return new ModelProto(IrVersion, "StaticGrad", version, null, graph, [new OperatorSetIdProto(string.Empty, OpsetVersion)]);
    }

    /// <summary>Adds a node of the default domain and returns its (first) output's name.</summary>
    private string Node(string opType, string[] inputs, AttributeProto[] attributes, string? output = null)
    {
        foreach (string input in inputs)
        {
            if (input.Length > 0)
            {
                Require(input);
            }
        }

        if (output is not null)
        {
            CheckNewTensor(output, nameof(output));
        }

        int index = _opCounts.TryGetValue(opType, out int n) ? n : 0;
        _opCounts[opType] = index + 1;
        _countedOps.Add(opType);
        string name = output ?? NewTensorName(opType);
        Declare(name);
        _nodes.Add(new NodeProto(opType, $"{opType}_{index.ToString(CultureInfo.InvariantCulture)}", inputs, [name], attributes));
        return name;
    }

    private string NewTensorName(string opType)
    {
        string name;
        do
        {
            name = $"{opType.ToLowerInvariant()}_{(_nextTensor++).ToString(CultureInfo.InvariantCulture)}";
        }
        while (_tensors.Contains(name));
        return name;
    }

    private string Constant(float value, int length)
    {
        string key = $"{BitConverter.SingleToInt32Bits(value).ToString(CultureInfo.InvariantCulture)}/{length.ToString(CultureInfo.InvariantCulture)}";
        if (_constants.TryGetValue(key, out string? existing))
        {
            return existing;
        }

        string text = value.ToString("R", CultureInfo.InvariantCulture);
        string name = length == 0 ? $"const_{text}" : $"const_{text}_x{length.ToString(CultureInfo.InvariantCulture)}";
        while (_tensors.Contains(name))
        {
            name += "_";
        }

        float[] values = new float[Math.Max(length, 1)];
        values.AsSpan().Fill(value);
        Initializer(name, values, length == 0 ? [] : [length]);
        _constants[key] = name;
        _constantOrder.Add(key);
        return name;
    }

    private void Declare(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_tensors.Add(name))
        {
            throw new ArgumentException($"Tensor '{name}' already exists in graph '{GraphName}'; every tensor is produced once.", nameof(name));
        }

        _declaredOrder.Add(name);
    }

    /// <summary>Throws, naming <paramref name="paramName"/>, unless <paramref name="name"/> is a new tensor name; changes nothing.</summary>
    private void CheckNewTensor(string name, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, paramName);
        if (_tensors.Contains(name))
        {
            throw new ArgumentException($"Tensor '{name}' already exists in graph '{GraphName}'; expected a name no tensor has yet (every tensor is produced once).", paramName);
        }
    }

    private void Require(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_tensors.Contains(name))
        {
            throw new ArgumentException($"Tensor '{name}' does not exist in graph '{GraphName}' yet: add it as an input or initializer, or add the node producing it first.", nameof(name));
        }
    }

    private string AddInitializer(string name, int dataType, int count, long[] shape, byte[] raw)
    {
        CheckCount(name, count, shape);
        Declare(name);
        _initializers.Add(new TensorProto(name, dataType, shape, raw));
        return name;
    }

    private static void CheckCount(string name, int count, long[] shape)
    {
        long product = 1;
        foreach (long dimension in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(shape));
            product *= dimension;
        }

        if (product != count)
        {
            throw new ArgumentException($"Tensor '{name}' has shape [{string.Join(", ", shape)}] ({product} elements) but {count} values.", nameof(shape));
        }
    }

    private static ValueInfoProto ValueInfo(string name, int[] featureShape)
    {
        var dims = new TensorShapeProto.Dimension[featureShape.Length + 1];
        dims[0] = TensorShapeProto.Dimension.Symbolic(BatchDimension);
        for (int i = 0; i < featureShape.Length; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureShape[i], nameof(featureShape));
            dims[i + 1] = TensorShapeProto.Dimension.Fixed(featureShape[i]);
        }

        return new ValueInfoProto(name, new TypeProto(TensorProto.Float, new TensorShapeProto(dims)));
    }

    private static long[] ToLongs(IReadOnlyList<int> shape)
    {
        long[] result = new long[shape.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = shape[i];
        }

        return result;
    }
}
