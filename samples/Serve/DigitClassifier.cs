using StaticGrad.Checkpoints;

namespace Serve;

/// <summary>
/// The one model instance every request uses, with its weights loaded once at startup.
/// </summary>
/// <remarks>
/// No lock and no pool of models: a generated model's <c>Predict</c> is safe to call from any number of threads on
/// one instance at once (<c>IInferenceModel</c>'s contract). The weights are only read during inference, and each call
/// rents its own activation arena from the model's <c>ArenaPool</c> (created on first demand, kept up to twice the
/// processor count, at least 8), so concurrent answers are bit-identical to serial ones and steady-state requests
/// allocate no activations. What must not overlap inference is a change to the weights (a load or an optimizer
/// step): they are loaded here, before the server starts listening, and never again.
/// </remarks>
public sealed class DigitClassifier
{
    /// <summary>The pixels of one image: 28 x 28.</summary>
    public const int Pixels = 784;

    private readonly MnistClassifier128 _model = new(seed: 0, maxBatch: 1);

    /// <summary>Loads the weights (a safetensors file with <c>fc1.weight</c> ... <c>fc2.bias</c>).</summary>
    /// <param name="weightsPath">The file, e.g. from <c>dotnet run --project Models -- train --save-weights PATH</c>.</param>
    /// <exception cref="InvalidDataException">The file does not fit the model (the message names the tensor).</exception>
    public DigitClassifier(string weightsPath)
    {
        ModelWeights.Load(_model.Parameters, weightsPath);
        WeightsPath = weightsPath;
    }

    /// <summary>The file the weights came from.</summary>
    public string WeightsPath { get; }

    /// <summary>The class probabilities of one image (pixels in [0, 1], white digit on black) and the most probable digit.</summary>
    /// <param name="pixels">784 values, row-major.</param>
    /// <returns>The prediction.</returns>
    public Prediction Predict(ReadOnlySpan<float> pixels)
    {
        float[] probabilities = new float[10];
        _model.Predict(pixels, probabilities, 1);
        int digit = 0;
        for (int i = 1; i < probabilities.Length; i++)
        {
            if (probabilities[i] > probabilities[digit])
            {
                digit = i;
            }
        }

        return new Prediction(digit, probabilities);
    }
}
