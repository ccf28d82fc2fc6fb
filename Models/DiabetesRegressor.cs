using StaticGrad;

namespace StaticGrad.Models;

/// <summary>
/// The regression example (<c>train regression</c>): scikit-learn's diabetes data, 10 features -> 64 -> ReLU -> 1,
/// trained with MSE on the standardized target. The PyTorch reference is <c>scripts/pytorch_regression.py</c>.
/// </summary>
[Model(Inputs = 10)]
public sealed partial class DiabetesRegressor
{
    /// <summary>The hidden layer: 10 -> 64, ReLU.</summary>
    [Linear(64), ReLU]
    public partial Linear Hidden { get; }

    /// <summary>The output: one prediction.</summary>
    [Linear(1)]
    public partial Linear Output { get; }

    /// <summary>Mean squared error, PyTorch's <c>nn.MSELoss()</c>.</summary>
    [MseLoss]
    public partial MseLoss Loss { get; }
}
