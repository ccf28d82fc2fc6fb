namespace StaticGrad.Generator.Tests;

/// <summary>Model declarations the generator tests compile.</summary>
internal static class TestModels
{
    public const string MnistClassifier128 = """
        using StaticGrad;

        namespace Seeds;

        [Model(Inputs = 784)]
        public partial class MnistClassifier128
        {
            [Linear(128), ReLU] public partial Linear Fc1 { get; }
            [Linear(10)] public partial Linear Fc2 { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string MnistClassifier256 = """
        using StaticGrad;

        namespace Seeds;

        [Model(Inputs = 784)]
        internal partial class MnistClassifier256
        {
            [Linear(256), ReLU] partial Linear Layer1 { get; }
            [Linear(10)] partial Linear Layer2 { get; }
            [SoftmaxCrossEntropy(Classes = 10, LabelSmoothing = 0.1f, Reduction = Reduction.Sum)] partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string DeepClassifier = """
        using StaticGrad;

        [Model(Inputs = 784)]
        public partial class DeepClassifier
        {
            [Linear(256), ReLU] public partial Linear Hidden1 { get; }
            [Linear(128), Tanh] public partial Linear Hidden2 { get; }
            [Linear(64), Sigmoid] public partial Linear Hidden3 { get; }
            [Linear(10)] public partial Linear Output { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;
}
