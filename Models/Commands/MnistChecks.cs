using StaticGrad.Data;

namespace StaticGrad.Models.Commands;

/// <summary>
/// What the train app's models need of an MNIST set, checked before it becomes a dataset: samples, 28 x 28 images and
/// labels 0-9. A well-formed IDX pair can still hold none of these (zero images, 14 x 14 images, a label 200); the
/// message says which set and what it holds, where the dataset's own checks would name an argument of an API call.
/// </summary>
internal static class MnistChecks
{
    /// <summary>The error message for <paramref name="data"/>, or null when the models can use it.</summary>
    /// <param name="data">The loaded set.</param>
    /// <param name="which">"training" or "test".</param>
    /// <param name="inputSize">The pixels the models take.</param>
    /// <param name="classes">The classes they predict.</param>
    public static string? Problem(MnistDataset data, string which, int inputSize, int classes)
    {
        if (data.Count == 0)
        {
            return $"the {which} set holds no images";
        }

        if (data.Features != inputSize)
        {
            return $"the {which} images have {data.Features} pixels ({data.Rows} x {data.Columns}); the models take {inputSize}";
        }

        int largest = 0;
        foreach (byte label in data.Labels)
        {
            largest = System.Math.Max(largest, label);
        }

        return largest >= classes ? $"the {which} labels go up to {largest}; expected digits 0-{classes - 1}" : null;
    }
}
