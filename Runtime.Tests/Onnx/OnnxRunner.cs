using System.Linq;
using Microsoft.ML.OnnxRuntime;

namespace StaticGrad.Runtime.Tests.Onnx;

/// <summary>Runs an ONNX model with ONNX Runtime (test-only native dependency) on one float input.</summary>
internal static class OnnxRunner
{
    /// <summary>The model's single output for <paramref name="input"/> of shape <paramref name="shape"/>.</summary>
    public static float[] Run(byte[] model, float[] input, long[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model, options);
        string inputName = session.InputMetadata.Keys.Single();
        string outputName = session.OutputMetadata.Keys.Single();
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, [inputName], [value], [outputName]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
