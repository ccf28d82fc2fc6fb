using StaticGrad;

namespace StaticGrad.Models;

/// <summary>
/// A residual MLP for the digits (<c>train --model resmlp</c>): a 784 -> 128 stem, two pre-norm residual blocks
/// <c>x + fc(Dropout(GELU(fc(LayerNorm(x)))))</c>, a final LayerNorm and a 128 -> 10 head. The PyTorch reference is
/// <c>scripts/pytorch_resmlp.py</c>, with the same <c>state_dict</c> names.
/// </summary>
[Model(Inputs = 784)]
public sealed partial class ResidualMlp
{
    /// <summary><c>stem</c>: 784 -> 128.</summary>
    [Linear(128)]
    public partial Linear Stem { get; }

    /// <summary>First block's pre-norm.</summary>
    [LayerNorm]
    public partial LayerNorm Norm1 { get; }

    /// <summary>First block's expansion, GELU.</summary>
    [Linear(128), GELU]
    public partial Linear Fc1 { get; }

    /// <summary>First block's dropout.</summary>
    [Dropout(0.1f)]
    public partial Dropout Drop1 { get; }

    /// <summary>First block's projection.</summary>
    [Linear(128)]
    public partial Linear Fc2 { get; }

    /// <summary>First residual: <c>stem + block1(stem)</c>.</summary>
    [Add(nameof(Stem))]
    public partial Residual Res1 { get; }

    /// <summary>Second block's pre-norm.</summary>
    [LayerNorm]
    public partial LayerNorm Norm2 { get; }

    /// <summary>Second block's expansion, GELU.</summary>
    [Linear(128), GELU]
    public partial Linear Fc3 { get; }

    /// <summary>Second block's dropout.</summary>
    [Dropout(0.1f)]
    public partial Dropout Drop2 { get; }

    /// <summary>Second block's projection.</summary>
    [Linear(128)]
    public partial Linear Fc4 { get; }

    /// <summary>Second residual: <c>res1 + block2(res1)</c>.</summary>
    [Add(nameof(Res1))]
    public partial Residual Res2 { get; }

    /// <summary>The final norm.</summary>
    [LayerNorm]
    public partial LayerNorm Norm3 { get; }

    /// <summary><c>head</c>: 128 -> 10 logits.</summary>
    [Linear(10)]
    public partial Linear Head { get; }

    /// <summary>Softmax cross-entropy over the 10 digits, mean over the batch.</summary>
    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}
