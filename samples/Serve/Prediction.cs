namespace Serve;

/// <summary>The answer to <c>POST /predict</c>: the most probable digit and the ten class probabilities.</summary>
/// <param name="Digit">The index of the largest probability (the first one on a tie).</param>
/// <param name="Probabilities">The softmax of the logits, one per digit 0-9.</param>
public sealed record Prediction(int Digit, float[] Probabilities);

/// <summary>The body of every error answer.</summary>
/// <param name="Error">What was wrong with the request, for a person to read.</param>
public sealed record ErrorBody(string Error);
