using Consumer;
using StaticGrad;

// A user's program: references only the StaticGrad package, declares its own model, trains, predicts.
const int perClass = 100;
const int classes = 3;
const int count = perClass * classes;
var inputs = new float[count * 2];
var labels = new int[count];
var rng = new Rng(2026);
for (int c = 0; c < classes; c++)
{
    for (int i = 0; i < perClass; i++)
    {
        int n = (c * perClass) + i;
        float radius = (float)i / perClass;
        float angle = (c * 4.0f) + (radius * 4.0f) + (rng.NextSingle() * 0.2f);
        inputs[2 * n] = radius * MathF.Sin(angle);
        inputs[(2 * n) + 1] = radius * MathF.Cos(angle);
        labels[n] = c;
    }
}

var model = new SpiralClassifier(seed: 7, maxBatch: count);
var adam = new Adam(model.Parameters, learningRate: 1e-2f);
float first = model.TrainStep(inputs, labels, count);
adam.Step();
float last = first;
for (int step = 1; step < 300; step++)
{
    last = model.TrainStep(inputs, labels, count);
    adam.Step();
}

var probabilities = new float[classes];
int correct = 0;
for (int n = 0; n < count; n++)
{
    if (model.Predict(inputs.AsSpan(2 * n, 2), probabilities) == labels[n])
    {
        correct++;
    }
}

double accuracy = (double)correct / count;
Console.WriteLine($"spiral classifier: {model.Parameters.Count} parameters, loss {first:F4} -> {last:F4}, training accuracy {accuracy:P1}");
if (!(last < first * 0.5f) || accuracy < 0.8)
{
    Console.Error.WriteLine("error: the model did not learn");
    return 1;
}

return 0;
