namespace StaticGrad.Runtime.Tests.Onnx;

/// <summary>A graph written by <c>OnnxGraphBuilder</c>, an input, and what the runtime's own kernels compute for it.</summary>
/// <param name="Name">The case's name (and file name for the checker).</param>
/// <param name="Model">The encoded ModelProto.</param>
/// <param name="Input">The values of the graph's one input.</param>
/// <param name="InputShape">The input's shape, batch first.</param>
/// <param name="Expected">The kernels' output for <paramref name="Input"/>, row-major.</param>
internal sealed record OnnxCase(string Name, byte[] Model, float[] Input, long[] InputShape, float[] Expected);
