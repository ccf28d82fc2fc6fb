using StaticGrad;

namespace StaticGrad.Models;

/// <summary>
/// LeNet-5 with batch norm (<c>train --model cnn-bn</c>): conv 6@5x5 (padding 2), BatchNorm2d, ReLU, max-pool 2; conv
/// 16@5x5, BatchNorm2d, ReLU, max-pool 2; Dropout(0.25); then 400 -> 120 -> 84 -> 10 with ReLU. Adam (lr 1e-3), batch 64.
/// The PyTorch reference is <c>scripts/pytorch_cnn.py --model cnn-bn</c>, with the same <c>state_dict</c> names.
/// </summary>
[Model(Channels = 1, Height = 28, Width = 28)]
public sealed partial class NormalizedCnn
{
    /// <summary><c>conv1</c>: 1 -> 6 channels, 5x5, padding 2: [B, 6, 28, 28].</summary>
    [Conv2d(6, 5, Padding = 2)]
    public partial Conv2d Conv1 { get; }

    /// <summary><c>bn1</c>, then ReLU.</summary>
    [BatchNorm2d, ReLU]
    public partial BatchNorm2d Bn1 { get; }

    /// <summary><c>pool1</c>: 2x2 max: [B, 6, 14, 14].</summary>
    [MaxPool2d(2)]
    public partial MaxPool2d Pool1 { get; }

    /// <summary><c>conv2</c>: 6 -> 16 channels, 5x5: [B, 16, 10, 10].</summary>
    [Conv2d(16, 5)]
    public partial Conv2d Conv2 { get; }

    /// <summary><c>bn2</c>, then ReLU.</summary>
    [BatchNorm2d, ReLU]
    public partial BatchNorm2d Bn2 { get; }

    /// <summary><c>pool2</c>: 2x2 max: [B, 16, 5, 5].</summary>
    [MaxPool2d(2)]
    public partial MaxPool2d Pool2 { get; }

    /// <summary>[B, 400].</summary>
    [Flatten]
    public partial Flatten Flatten { get; }

    /// <summary>Dropout(0.25) before the first linear layer.</summary>
    [Dropout(0.25f)]
    public partial Dropout Drop { get; }

    /// <summary><c>fc1</c>: 400 -> 120, ReLU.</summary>
    [Linear(120), ReLU]
    public partial Linear Fc1 { get; }

    /// <summary><c>fc2</c>: 120 -> 84, ReLU.</summary>
    [Linear(84), ReLU]
    public partial Linear Fc2 { get; }

    /// <summary><c>fc3</c>: 84 -> 10 logits.</summary>
    [Linear(10)]
    public partial Linear Fc3 { get; }

    /// <summary>Softmax cross-entropy over the 10 digits, mean over the batch.</summary>
    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}
