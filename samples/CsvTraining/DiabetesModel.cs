using StaticGrad;

[Model(Inputs = 10)]
public partial class DiabetesModel
{
    [Linear(64), ReLU] public partial Linear Hidden { get; }
    [Linear(1)] public partial Linear Output { get; }
    [MseLoss] public partial MseLoss Loss { get; }
}
