namespace StaticGrad.Onnx;

/// <summary>A model that can describe itself as an ONNX graph; every generated model is one.</summary>
public interface IOnnxExportable
{
    /// <summary>
    /// The model in eval mode as an ONNX graph (opset 17, dynamic batch): input <c>input</c>, output <c>output</c>
    /// holding what the model's <c>Forward</c> computes, the current weights as initializers under their
    /// <c>state_dict</c> names.
    /// </summary>
    /// <returns>The graph; <see cref="OnnxGraphBuilder.Save"/> writes it.</returns>
    OnnxGraphBuilder ToOnnx();
}
