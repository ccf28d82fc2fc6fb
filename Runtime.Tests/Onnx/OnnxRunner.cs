using System.Linq;
using Microsoft.ML.OnnxRuntime;

namespace StaticGrad.Runtime.Tests.Onnx;

/// <summary>Runs an ONNX model with ONNX Runtime (test-only native dependency) on one float input.</summary>
internal static class OnnxRunner
{
    /// <summary>The model's single output for <paramref name="input"/> of shape <paramref name="shape"/>.</summary>
    public static float[] Run(byte[] model, float[] input, long[] shape) => Run(model, input, _ => shape);

    /// <summary>The model's single output for <paramref name="batch"/> samples: the input's declared shape with its batch dimension set.</summary>
    public static float[] RunBatch(byte[] model, float[] input, int batch)
        => Run(model, input, session => session.InputMetadata.Values.Single().Dimensions.Select(d => d < 0 ? (long)batch : d).ToArray());

    private static float[] Run(byte[] model, float[] input, System.Func<InferenceSession, long[]> shapeOf)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model, options);
        string inputName = session.InputMetadata.Keys.Single();
        string outputName = session.OutputMetadata.Keys.Single();
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(input, shapeOf(session));
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, [inputName], [value], [outputName]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
