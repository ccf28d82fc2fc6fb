using System;
using System.Collections.Generic;
using System.Globalization;

namespace StaticGrad;

/// <summary>
/// PyTorch 1.13's <c>torch.nn.init</c> for a model's parameters: each function overwrites one tensor of a
/// <see cref="ParameterSet"/> in place (<c>nn.init.kaiming_normal_(m.weight, ...)</c> is
/// <c>Init.KaimingNormal(model.Parameters, tensor, rng, ...)</c>), and takes the tensor itself or its
/// <c>state_dict</c> name (<c>"conv1.weight"</c>).
/// </summary>
/// <remarks>
/// <para>
/// The random functions draw from StaticGrad's <see cref="Rng"/>, not PyTorch's generator: the values follow PyTorch's
/// distributions (uniform as PyTorch's <c>from + (to - from)·u</c> in float with 24 random bits; normal by Box–Muller in
/// double; truncated normal by PyTorch's inverse-CDF method) but are not its bits, and one seed gives the same values
/// on every run. Everything deterministic is PyTorch's exactly: gains, fans, the Kaiming and Xavier bounds and standard
/// deviations (computed in double as PyTorch computes them in Python, then rounded to float where PyTorch's float
/// tensor rounds them), <see cref="Eye(ParameterSet, ParameterTensor)"/>, <see cref="Dirac(ParameterSet, ParameterTensor, int)"/>
/// and the constants.
/// </para>
/// <para>
/// Arguments are checked as PyTorch checks them, and a few more (non-finite values), all before anything is written or
/// drawn: a refused call leaves the tensor and the generator as they were. Float arguments stand for their shortest
/// decimal (<c>0.2f</c> is the Python float <c>0.2</c>), as the optimizers' hyperparameters do. A model's constructor
/// already initializes its parameters as PyTorch's layers do by default (<see cref="ParameterSet.Initialize"/>); these
/// functions replace that for the tensors they are called on.
/// </para>
/// </remarks>
public static class Init
{
    /// <summary>
    /// The recommended gain for a nonlinearity, PyTorch's <c>calculate_gain</c>: 1 for <see cref="Nonlinearity.Linear"/>,
    /// the convolutions and <see cref="Nonlinearity.Sigmoid"/>, 5/3 for <see cref="Nonlinearity.Tanh"/>, √2 for
    /// <see cref="Nonlinearity.ReLU"/>, √(2 / (1 + slope²)) for <see cref="Nonlinearity.LeakyReLU"/>, 3/4 for
    /// <see cref="Nonlinearity.SELU"/>.
    /// </summary>
    /// <param name="nonlinearity">The function that follows the layer.</param>
    /// <param name="param">
    /// <see cref="Nonlinearity.LeakyReLU"/>'s negative slope (0.01 when null); ignored by the others, as PyTorch does.
    /// Finite when given.
    /// </param>
    /// <returns>The gain, the double PyTorch returns.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nonlinearity"/> is not a defined value, or <paramref name="param"/> is not finite.</exception>
    public static double CalculateGain(Nonlinearity nonlinearity, float? param = null)
    {
        if (param is float value && !float.IsFinite(value))
        {
            throw Refused(nameof(param), value, "a finite negative slope");
        }

        switch (nonlinearity)
        {
            case Nonlinearity.Linear or Nonlinearity.Conv2d or Nonlinearity.ConvTranspose2d or Nonlinearity.Sigmoid:
                return 1.0;
            case Nonlinearity.Tanh:
                return 5.0 / 3;
            case Nonlinearity.ReLU:
                return Math.Sqrt(2.0);
            case Nonlinearity.LeakyReLU:
                double slope = param is float given ? HyperParameter.ToDouble(given) : 0.01;
                return Math.Sqrt(2.0 / (1 + (slope * slope)));
            case Nonlinearity.SELU:
                return 3.0 / 4;
            default:
                throw new ArgumentOutOfRangeException(
                    nameof(nonlinearity), nonlinearity, $"Unsupported nonlinearity {nonlinearity}; expected one of {string.Join(", ", Enum.GetNames<Nonlinearity>())}.");
        }
    }

    /// <summary>
    /// The fans of a weight of shape <paramref name="shape"/>, PyTorch's <c>_calculate_fan_in_and_fan_out</c>:
    /// <c>fan_in = size(1) · r</c>, <c>fan_out = size(0) · r</c>, with r the product of the dimensions after the first two.
    /// A <see cref="ConvTranspose2d"/> weight is <c>[in, out/groups, kh, kw]</c>, so its fan-in counts the output channels
    /// per group, as PyTorch's does.
    /// </summary>
    /// <param name="shape">The dimensions, outermost first; at least 2, none negative.</param>
    /// <returns>The fan-in and the fan-out.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is null.</exception>
    /// <exception cref="ArgumentException">The shape has fewer than 2 dimensions.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative, or a fan exceeds <see cref="int.MaxValue"/>.</exception>
    public static (int FanIn, int FanOut) CalculateFanInAndFanOut(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return Fans(shape, nameof(shape), tensorName: null);
    }

    /// <summary>Fills a tensor with values drawn from U(<paramref name="low"/>, <paramref name="high"/>), PyTorch's <c>uniform_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="tensor">One of <paramref name="parameters"/>' <see cref="ParameterSet.Tensors"/>.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="low">The lower bound; finite.</param>
    /// <param name="high">The upper bound; finite, at least <paramref name="low"/>, and <c>high - low</c> within float's range (PyTorch's checks).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> is not one of <paramref name="parameters"/>' tensors.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bound is out of range.</exception>
    public static void Uniform(ParameterSet parameters, ParameterTensor tensor, Rng rng, float low = 0, float high = 1)
    {
        Span<float> values = Target(parameters, tensor, rng);
        CheckUniformRange(low, high);
        FillUniform(values, rng, low, high);
    }

    /// <summary>Fills the tensor named <paramref name="name"/> with values drawn from U(<paramref name="low"/>, <paramref name="high"/>), PyTorch's <c>uniform_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="name">The tensor's <c>state_dict</c> name, e.g. <c>fc1.weight</c>.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="low">The lower bound; finite.</param>
    /// <param name="high">The upper bound; finite, at least <paramref name="low"/>, and <c>high - low</c> within float's range.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No tensor of <paramref name="parameters"/> has that name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bound is out of range.</exception>
    public static void Uniform(ParameterSet parameters, string name, Rng rng, float low = 0, float high = 1) =>
        Uniform(parameters, Find(parameters, name), rng, low, high);

    /// <summary>Fills a tensor with values drawn from N(<paramref name="mean"/>, <paramref name="std"/>²), PyTorch's <c>normal_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="tensor">One of <paramref name="parameters"/>' <see cref="ParameterSet.Tensors"/>.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="mean">The mean; finite.</param>
    /// <param name="std">The standard deviation; finite and at least 0 (0 fills with <paramref name="mean"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> is not one of <paramref name="parameters"/>' tensors.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mean"/> or <paramref name="std"/> is out of range.</exception>
    public static void Normal(ParameterSet parameters, ParameterTensor tensor, Rng rng, float mean = 0, float std = 1)
    {
        Span<float> values = Target(parameters, tensor, rng);
        CheckFinite(mean, nameof(mean));
        if (!(std >= 0 && float.IsFinite(std)))
        {
            throw Refused(nameof(std), std, "a finite std >= 0");
        }

        StandardNormal.Fill(values, rng, HyperParameter.ToDouble(mean), HyperParameter.ToDouble(std));
    }

    /// <summary>Fills the tensor named <paramref name="name"/> with values drawn from N(<paramref name="mean"/>, <paramref name="std"/>²), PyTorch's <c>normal_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="name">The tensor's <c>state_dict</c> name.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="mean">The mean; finite.</param>
    /// <param name="std">The standard deviation; finite and at least 0.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No tensor of <paramref name="parameters"/> has that name.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mean"/> or <paramref name="std"/> is out of range.</exception>
    public static void Normal(ParameterSet parameters, string name, Rng rng, float mean = 0, float std = 1) =>
        Normal(parameters, Find(parameters, name), rng, mean, std);

    /// <summary>
    /// Fills a tensor with values drawn from N(<paramref name="mean"/>, <paramref name="std"/>²) truncated to
    /// [<paramref name="a"/>, <paramref name="b"/>], PyTorch's <c>trunc_normal_</c> and its method: with
    /// <c>l = Φ((a - mean)/std)</c> and <c>u = Φ((b - mean)/std)</c>, a uniform draw in [2l - 1, 2u - 1] goes through erfinv,
    /// is scaled by <c>std·√2</c>, shifted by the mean and clamped to [a, b] (in double here, in float in PyTorch).
    /// </summary>
    /// <remarks>
    /// As in PyTorch, <paramref name="a"/> and <paramref name="b"/> are values, not multiples of <paramref name="std"/>
    /// (<c>TruncatedNormal(..., std: 0.02f)</c> truncates at ±2, i.e. not at all). The method works best with the mean
    /// inside [a, b] or near it: PyTorch warns when it is more than 2 std outside, where the uniform interval shrinks
    /// against ±1 and loses precision.
    /// </remarks>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="tensor">One of <paramref name="parameters"/>' <see cref="ParameterSet.Tensors"/>.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="mean">The mean of the normal distribution before truncation; finite.</param>
    /// <param name="std">Its standard deviation; finite and positive (PyTorch divides by it).</param>
    /// <param name="a">The smallest value; finite.</param>
    /// <param name="b">The largest value; finite and at least <paramref name="a"/> (equal: every value is <paramref name="a"/>, as in PyTorch).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> is not one of <paramref name="parameters"/>' tensors.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static void TruncatedNormal(ParameterSet parameters, ParameterTensor tensor, Rng rng, float mean = 0, float std = 1, float a = -2, float b = 2)
    {
        Span<float> values = Target(parameters, tensor, rng);
        CheckFinite(mean, nameof(mean));
        if (!(std > 0 && float.IsFinite(std)))
        {
            throw Refused(nameof(std), std, "a finite std > 0");
        }

        CheckFinite(a, nameof(a));
        if (!(b >= a && float.IsFinite(b)))
        {
            // a == b is PyTorch's too: every value is a.
            throw Refused(nameof(b), b, string.Create(CultureInfo.InvariantCulture, $"a finite value >= a ({a})"));
        }

        (double meanValue, double stdValue) = (HyperParameter.ToDouble(mean), HyperParameter.ToDouble(std));
        (double low, double high) = TruncatedNormalRange(meanValue, stdValue, HyperParameter.ToDouble(a), HyperParameter.ToDouble(b));
        double scale = stdValue * Math.Sqrt(2.0);
        for (int i = 0; i < values.Length; i++)
        {
            double x = (ErrorFunction.Erfinv(low + ((high - low) * rng.NextDouble())) * scale) + meanValue;

            // Clamped in double to the float bounds, so the rounded value stays inside [a, b] too.
            values[i] = (float)Math.Clamp(x, a, b);
        }
    }

    /// <summary>Fills the tensor named <paramref name="name"/> from a truncated normal distribution, PyTorch's <c>trunc_normal_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="name">The tensor's <c>state_dict</c> name.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="mean">The mean of the normal distribution before truncation; finite.</param>
    /// <param name="std">Its standard deviation; finite and positive.</param>
    /// <param name="a">The smallest value; finite.</param>
    /// <param name="b">The largest value; finite and at least <paramref name="a"/> (equal: every value is <paramref name="a"/>, as in PyTorch).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No tensor of <paramref name="parameters"/> has that name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static void TruncatedNormal(ParameterSet parameters, string name, Rng rng, float mean = 0, float std = 1, float a = -2, float b = 2) =>
        TruncatedNormal(parameters, Find(parameters, name), rng, mean, std, a, b);

    /// <summary>Fills a tensor with <paramref name="value"/>, PyTorch's <c>constant_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="tensor">One of <paramref name="parameters"/>' <see cref="ParameterSet.Tensors"/>.</param>
    /// <param name="value">The value; finite.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> is not one of <paramref name="parameters"/>' tensors.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not finite.</exception>
    public static void Constant(ParameterSet parameters, ParameterTensor tensor, float value)
    {
        Span<float> values = Target(parameters, tensor);
        CheckFinite(value, nameof(value));
        values.Fill(value);
    }

    /// <summary>Fills the tensor named <paramref name="name"/> with <paramref name="value"/>, PyTorch's <c>constant_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="name">The tensor's <c>state_dict</c> name.</param>
    /// <param name="value">The value; finite.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No tensor of <paramref name="parameters"/> has that name.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not finite.</exception>
    public static void Constant(ParameterSet parameters, string name, float value) => Constant(parameters, Find(parameters, name), value);

    /// <summary>Fills a tensor with 0, PyTorch's <c>zeros_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="tensor">One of <paramref name="parameters"/>' <see cref="ParameterSet.Tensors"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> is not one of <paramref name="parameters"/>' tensors.</exception>
    public static void Zeros(ParameterSet parameters, ParameterTensor tensor) => Target(parameters, tensor).Clear();

    /// <summary>Fills the tensor named <paramref name="name"/> with 0, PyTorch's <c>zeros_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="name">The tensor's <c>state_dict</c> name.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No tensor of <paramref name="parameters"/> has that name.</exception>
    public static void Zeros(ParameterSet parameters, string name) => Zeros(parameters, Find(parameters, name));

    /// <summary>Fills a tensor with 1, PyTorch's <c>ones_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="tensor">One of <paramref name="parameters"/>' <see cref="ParameterSet.Tensors"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> is not one of <paramref name="parameters"/>' tensors.</exception>
    public static void Ones(ParameterSet parameters, ParameterTensor tensor) => Target(parameters, tensor).Fill(1f);

    /// <summary>Fills the tensor named <paramref name="name"/> with 1, PyTorch's <c>ones_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="name">The tensor's <c>state_dict</c> name.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No tensor of <paramref name="parameters"/> has that name.</exception>
    public static void Ones(ParameterSet parameters, string name) => Ones(parameters, Find(parameters, name));

    /// <summary>
    /// Fills a 2-D tensor with the identity matrix, PyTorch's <c>eye_</c> (<c>torch.eye(rows, columns)</c>: 1 where the row
    /// equals the column, 0 elsewhere, also when it is not square), so a <c>Linear</c> layer passes as many inputs
    /// through as it can.
    /// </summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="tensor">A tensor of 2 dimensions of <paramref name="parameters"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> does not have 2 dimensions, or is not one of <paramref name="parameters"/>' tensors.</exception>
    public static void Eye(ParameterSet parameters, ParameterTensor tensor)
    {
        Span<float> values = Target(parameters, tensor);
        if (tensor.Shape.Count != 2)
        {
            throw WrongRank(tensor, "Only tensors with 2 dimensions are supported", "a [rows, columns] tensor (eye_)");
        }

        int columns = tensor.Shape[1];
        values.Clear();
        for (int i = 0; i < Math.Min(tensor.Shape[0], columns); i++)
        {
            values[(i * columns) + i] = 1f;
        }
    }

    /// <summary>Fills the 2-D tensor named <paramref name="name"/> with the identity matrix, PyTorch's <c>eye_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="name">The tensor's <c>state_dict</c> name.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No tensor of <paramref name="parameters"/> has that name, or it does not have 2 dimensions.</exception>
    public static void Eye(ParameterSet parameters, string name) => Eye(parameters, Find(parameters, name));

    /// <summary>
    /// Fills a convolution weight <c>[out, in/groups, k...]</c> of 3 to 5 dimensions with the Dirac delta, PyTorch's
    /// <c>dirac_</c>: zero except, in each group g of <c>out/groups</c> output channels, a 1 at
    /// <c>[g·out/groups + d, d, center]</c> for each d below <c>min(out/groups, in/groups)</c>, the center being
    /// <c>size / 2</c> (rounded down) along each kernel dimension. A convolution so initialized passes its input channels
    /// through.
    /// </summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="tensor">A tensor of 3, 4 or 5 dimensions of <paramref name="parameters"/>.</param>
    /// <param name="groups">The convolution's groups; positive, and dividing the tensor's first dimension.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> does not have 3 to 5 dimensions, or is not one of <paramref name="parameters"/>' tensors.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="groups"/> is not positive or does not divide the first dimension.</exception>
    public static void Dirac(ParameterSet parameters, ParameterTensor tensor, int groups = 1)
    {
        Span<float> values = Target(parameters, tensor);
        IReadOnlyList<int> shape = tensor.Shape;
        if (shape.Count is < 3 or > 5)
        {
            throw WrongRank(tensor, "Only tensors with 3, 4, or 5 dimensions are supported", "a convolution weight [out, in/groups, k...] (dirac_)");
        }

        if (groups <= 0)
        {
            throw Refused(nameof(groups), groups, "a positive number of groups");
        }

        if (shape[0] % groups != 0)
        {
            throw Refused(
                nameof(groups), groups, $"a divisor of the {shape[0]} output channels of '{tensor.Name}' (PyTorch: dim 0 must be divisible by groups)");
        }

        // Strides of the row-major layout, and the offset of the kernel's center from the start of one [out, in] slice.
        int kernel = 1, center = 0;
        for (int dimension = shape.Count - 1; dimension >= 2; dimension--)
        {
            center += shape[dimension] / 2 * kernel;
            kernel *= shape[dimension];
        }

        int inputs = shape[1];
        int outputsPerGroup = shape[0] / groups;
        values.Clear();
        for (int g = 0; g < groups; g++)
        {
            for (int d = 0; d < Math.Min(outputsPerGroup, inputs); d++)
            {
                values[((((g * outputsPerGroup) + d) * inputs) + d) * kernel + center] = 1f;
            }
        }
    }

    /// <summary>Fills the convolution weight named <paramref name="name"/> with the Dirac delta, PyTorch's <c>dirac_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="name">The tensor's <c>state_dict</c> name.</param>
    /// <param name="groups">The convolution's groups; positive, and dividing the tensor's first dimension.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No tensor of <paramref name="parameters"/> has that name, or it does not have 3 to 5 dimensions.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="groups"/> is not positive or does not divide the first dimension.</exception>
    public static void Dirac(ParameterSet parameters, string name, int groups = 1) => Dirac(parameters, Find(parameters, name), groups);

    /// <summary>
    /// Glorot initialization with a uniform distribution, PyTorch's <c>xavier_uniform_</c>: U(-a, a) with
    /// <c>a = √3 · gain · √(2 / (fan_in + fan_out))</c>.
    /// </summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="tensor">A tensor of 2 dimensions or more of <paramref name="parameters"/>.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="gain">The scale, e.g. <see cref="CalculateGain"/>'s (a double, so that it passes unrounded); finite and at least 0.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> has fewer than 2 dimensions, or is not one of <paramref name="parameters"/>' tensors.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gain"/> is out of range.</exception>
    public static void XavierUniform(ParameterSet parameters, ParameterTensor tensor, Rng rng, double gain = 1)
    {
        Span<float> values = Target(parameters, tensor, rng);
        float bound = (float)XavierBound(tensor, gain);
        FillUniform(values, rng, -bound, bound);
    }

    /// <summary>Glorot initialization with a uniform distribution of the tensor named <paramref name="name"/>, PyTorch's <c>xavier_uniform_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="name">The tensor's <c>state_dict</c> name.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="gain">The scale; finite and at least 0.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No tensor of <paramref name="parameters"/> has that name, or it has fewer than 2 dimensions.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gain"/> is out of range.</exception>
    public static void XavierUniform(ParameterSet parameters, string name, Rng rng, double gain = 1) =>
        XavierUniform(parameters, Find(parameters, name), rng, gain);

    /// <summary>
    /// Glorot initialization with a normal distribution, PyTorch's <c>xavier_normal_</c>: N(0, std²) with
    /// <c>std = gain · √(2 / (fan_in + fan_out))</c>.
    /// </summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="tensor">A tensor of 2 dimensions or more of <paramref name="parameters"/>.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="gain">The scale, e.g. <see cref="CalculateGain"/>'s; finite and at least 0.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> has fewer than 2 dimensions, or is not one of <paramref name="parameters"/>' tensors.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gain"/> is out of range.</exception>
    public static void XavierNormal(ParameterSet parameters, ParameterTensor tensor, Rng rng, double gain = 1)
    {
        Span<float> values = Target(parameters, tensor, rng);
        StandardNormal.Fill(values, rng, 0.0, XavierStd(tensor, gain));
    }

    /// <summary>Glorot initialization with a normal distribution of the tensor named <paramref name="name"/>, PyTorch's <c>xavier_normal_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="name">The tensor's <c>state_dict</c> name.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="gain">The scale; finite and at least 0.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No tensor of <paramref name="parameters"/> has that name, or it has fewer than 2 dimensions.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gain"/> is out of range.</exception>
    public static void XavierNormal(ParameterSet parameters, string name, Rng rng, double gain = 1) =>
        XavierNormal(parameters, Find(parameters, name), rng, gain);

    /// <summary>
    /// He initialization with a uniform distribution, PyTorch's <c>kaiming_uniform_</c>: U(-bound, bound) with
    /// <c>bound = √3 · gain / √fan</c>, the gain <see cref="CalculateGain"/>(<paramref name="nonlinearity"/>, <paramref name="a"/>)
    /// and the fan chosen by <paramref name="mode"/>. With the defaults (a leaky ReLU of slope 0, i.e. a ReLU) the gain is √2.
    /// </summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="tensor">A tensor of 2 dimensions or more of <paramref name="parameters"/>.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="a">The negative slope of the leaky ReLU after the layer (used with <see cref="Nonlinearity.LeakyReLU"/> only); finite.</param>
    /// <param name="mode">The fan to divide by.</param>
    /// <param name="nonlinearity">The function after the layer.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> has fewer than 2 dimensions, or is not one of <paramref name="parameters"/>' tensors.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="a"/> is not finite, or <paramref name="mode"/> or <paramref name="nonlinearity"/> is not a defined value.</exception>
    public static void KaimingUniform(
        ParameterSet parameters, ParameterTensor tensor, Rng rng, float a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyReLU)
    {
        Span<float> values = Target(parameters, tensor, rng);
        float bound = (float)KaimingBound(tensor, a, mode, nonlinearity);
        FillUniform(values, rng, -bound, bound);
    }

    /// <summary>He initialization with a uniform distribution of the tensor named <paramref name="name"/>, PyTorch's <c>kaiming_uniform_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="name">The tensor's <c>state_dict</c> name.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="a">The negative slope of the leaky ReLU after the layer; finite.</param>
    /// <param name="mode">The fan to divide by.</param>
    /// <param name="nonlinearity">The function after the layer.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No tensor of <paramref name="parameters"/> has that name, or it has fewer than 2 dimensions.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="a"/> is not finite, or <paramref name="mode"/> or <paramref name="nonlinearity"/> is not a defined value.</exception>
    public static void KaimingUniform(
        ParameterSet parameters, string name, Rng rng, float a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyReLU) =>
        KaimingUniform(parameters, Find(parameters, name), rng, a, mode, nonlinearity);

    /// <summary>
    /// He initialization with a normal distribution, PyTorch's <c>kaiming_normal_</c>: N(0, std²) with
    /// <c>std = gain / √fan</c>, the gain <see cref="CalculateGain"/>(<paramref name="nonlinearity"/>, <paramref name="a"/>)
    /// and the fan chosen by <paramref name="mode"/>.
    /// </summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="tensor">A tensor of 2 dimensions or more of <paramref name="parameters"/>.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="a">The negative slope of the leaky ReLU after the layer (used with <see cref="Nonlinearity.LeakyReLU"/> only); finite.</param>
    /// <param name="mode">The fan to divide by.</param>
    /// <param name="nonlinearity">The function after the layer.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> has fewer than 2 dimensions, or is not one of <paramref name="parameters"/>' tensors.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="a"/> is not finite, or <paramref name="mode"/> or <paramref name="nonlinearity"/> is not a defined value.</exception>
    public static void KaimingNormal(
        ParameterSet parameters, ParameterTensor tensor, Rng rng, float a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyReLU)
    {
        Span<float> values = Target(parameters, tensor, rng);
        StandardNormal.Fill(values, rng, 0.0, KaimingStd(tensor, a, mode, nonlinearity));
    }

    /// <summary>He initialization with a normal distribution of the tensor named <paramref name="name"/>, PyTorch's <c>kaiming_normal_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="name">The tensor's <c>state_dict</c> name.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="a">The negative slope of the leaky ReLU after the layer; finite.</param>
    /// <param name="mode">The fan to divide by.</param>
    /// <param name="nonlinearity">The function after the layer.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No tensor of <paramref name="parameters"/> has that name, or it has fewer than 2 dimensions.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="a"/> is not finite, or <paramref name="mode"/> or <paramref name="nonlinearity"/> is not a defined value.</exception>
    public static void KaimingNormal(
        ParameterSet parameters, string name, Rng rng, float a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyReLU) =>
        KaimingNormal(parameters, Find(parameters, name), rng, a, mode, nonlinearity);

    /// <summary>
    /// Fills a tensor with a (semi-)orthogonal matrix times <paramref name="gain"/>, PyTorch's <c>orthogonal_</c>: the
    /// tensor seen as <c>rows = size(0)</c> by <c>columns = numel / rows</c>, a matrix of N(0, 1) draws (transposed when
    /// rows &lt; columns) factored as QR, and Q with its columns multiplied by the signs of R's diagonal (which makes it
    /// uniformly distributed over the orthogonal matrices), transposed back. The rows are orthonormal when rows ≤ columns,
    /// the columns otherwise: <c>W Wᵀ</c> or <c>Wᵀ W</c> is <c>gain² · I</c>.
    /// </summary>
    /// <remarks>The factorization runs in double with Householder reflections, O(max · min²) operations in the matrix's sides, and allocates two matrices of doubles of the tensor's size.</remarks>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="tensor">A tensor of 2 dimensions or more of <paramref name="parameters"/>.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="gain">The scale (negative flips the signs, as in PyTorch); finite.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> has fewer than 2 dimensions, or is not one of <paramref name="parameters"/>' tensors.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gain"/> is not finite.</exception>
    public static void Orthogonal(ParameterSet parameters, ParameterTensor tensor, Rng rng, double gain = 1)
    {
        Span<float> values = Target(parameters, tensor, rng);
        if (tensor.Shape.Count < 2)
        {
            throw WrongRank(tensor, "Only tensors with 2 or more dimensions are supported", "a tensor of 2 dimensions or more (orthogonal_)");
        }

        if (!double.IsFinite(gain))
        {
            throw Refused(nameof(gain), gain, "a finite gain");
        }

        int rows = tensor.Shape[0];
        int columns = tensor.Length / rows;

        // PyTorch draws a rows x columns matrix row by row and factors it, or its transpose when it is wide, so the
        // factored matrix is tall. Column-major storage of the tall matrix: the transpose of a wide one is its draws in order.
        double[] drawn = new double[tensor.Length];
        StandardNormal.Fill(drawn, rng);
        double[] matrix = drawn;
        if (rows >= columns)
        {
            matrix = new double[drawn.Length];
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < columns; j++)
                {
                    matrix[(j * rows) + i] = drawn[(i * columns) + j];
                }
            }
        }

        int tall = Math.Max(rows, columns), narrow = Math.Min(rows, columns);
        HouseholderQr.OrthonormalFactor(matrix, tall, narrow);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                // Tall: W[i, j] = Q[i, j], at j·rows + i. Wide: W = Qᵀ, W[i, j] = Q[j, i], at i·columns + j.
                double q = rows >= columns ? matrix[(j * rows) + i] : matrix[(i * columns) + j];
                values[(i * columns) + j] = (float)(gain * q);
            }
        }
    }

    /// <summary>Fills the tensor named <paramref name="name"/> with a (semi-)orthogonal matrix times <paramref name="gain"/>, PyTorch's <c>orthogonal_</c>.</summary>
    /// <param name="parameters">The set that holds the tensor.</param>
    /// <param name="name">The tensor's <c>state_dict</c> name.</param>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="gain">The scale; finite.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No tensor of <paramref name="parameters"/> has that name, or it has fewer than 2 dimensions.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gain"/> is not finite.</exception>
    public static void Orthogonal(ParameterSet parameters, string name, Rng rng, double gain = 1) =>
        Orthogonal(parameters, Find(parameters, name), rng, gain);

    /// <summary>
    /// Kaiming's standard deviation as PyTorch computes it in Python: <c>gain / math.sqrt(fan)</c>, after checking
    /// <paramref name="a"/>, <paramref name="mode"/>, <paramref name="nonlinearity"/> and the tensor's shape.
    /// </summary>
    internal static double KaimingStd(ParameterTensor tensor, float a, FanMode mode, Nonlinearity nonlinearity)
    {
        CheckFinite(a, nameof(a));
        if (mode is not (FanMode.FanIn or FanMode.FanOut))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Expected FanMode.FanIn or FanMode.FanOut.");
        }

        double gain = CalculateGain(nonlinearity, a);
        (int fanIn, int fanOut) = Fans(tensor.Shape, nameof(tensor), tensor.Name);
        return gain / Math.Sqrt(mode == FanMode.FanIn ? fanIn : fanOut);
    }

    /// <summary>Kaiming's uniform bound, <c>math.sqrt(3.0) * std</c>.</summary>
    internal static double KaimingBound(ParameterTensor tensor, float a, FanMode mode, Nonlinearity nonlinearity) =>
        Math.Sqrt(3.0) * KaimingStd(tensor, a, mode, nonlinearity);

    /// <summary>Xavier's standard deviation as PyTorch computes it: <c>gain * math.sqrt(2.0 / float(fan_in + fan_out))</c>.</summary>
    internal static double XavierStd(ParameterTensor tensor, double gain)
    {
        if (!(gain >= 0 && double.IsFinite(gain)))
        {
            throw Refused(nameof(gain), gain, "a finite gain >= 0");
        }

        (int fanIn, int fanOut) = Fans(tensor.Shape, nameof(tensor), tensor.Name);
        return gain * Math.Sqrt(2.0 / ((double)fanIn + fanOut));
    }

    /// <summary>Xavier's uniform bound, <c>math.sqrt(3.0) * std</c>.</summary>
    internal static double XavierBound(ParameterTensor tensor, double gain) => Math.Sqrt(3.0) * XavierStd(tensor, gain);

    /// <summary>
    /// The interval [2l - 1, 2u - 1] of <c>trunc_normal_</c>'s uniform draw, computed as PyTorch computes it in Python:
    /// <c>l = (1 + erf(((a - mean) / std) / √2)) / 2</c>, and u from <paramref name="b"/> likewise.
    /// </summary>
    internal static (double Low, double High) TruncatedNormalRange(double mean, double std, double a, double b)
    {
        double l = (1.0 + ErrorFunction.Erf((a - mean) / std / Math.Sqrt(2.0))) / 2.0;
        double u = (1.0 + ErrorFunction.Erf((b - mean) / std / Math.Sqrt(2.0))) / 2.0;
        return ((2 * l) - 1, (2 * u) - 1);
    }

    /// <summary>PyTorch's fans of <paramref name="shape"/>; errors name <paramref name="paramName"/> (and the tensor, for a tensor's shape).</summary>
    private static (int FanIn, int FanOut) Fans(IReadOnlyList<int> shape, string paramName, string? tensorName)
    {
        if (shape.Count < 2)
        {
            string what = tensorName is null ? $"the shape [{string.Join(", ", shape)}]" : $"'{tensorName}' [{string.Join(", ", shape)}]";
            throw new ArgumentException(
                $"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions: {what} has {shape.Count}; expected 2 or more.", paramName);
        }

        long receptiveField = 1;
        for (int i = 0; i < shape.Count; i++)
        {
            if (shape[i] < 0)
            {
                throw Refused(paramName, shape[i], $"dimension {i} >= 0");
            }

            // Capped once past int's range, so the product cannot overflow a long; such a fan is refused below.
            receptiveField = i < 2 ? receptiveField : Math.Min(receptiveField * shape[i], (long)int.MaxValue + 1);
        }

        long fanIn = shape[1] * receptiveField, fanOut = shape[0] * receptiveField;
        if (fanIn > int.MaxValue || fanOut > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(paramName, $"The fans of [{string.Join(", ", shape)}] exceed {int.MaxValue}; expected a weight with fewer elements.");
        }

        return ((int)fanIn, (int)fanOut);
    }

    /// <summary>Checks a uniform draw's bounds as PyTorch's <c>uniform_</c> does, and that they are finite.</summary>
    private static void CheckUniformRange(float low, float high)
    {
        CheckFinite(low, nameof(low));
        if (!(high >= low && float.IsFinite(high)))
        {
            throw Refused(nameof(high), high, string.Create(CultureInfo.InvariantCulture, $"a finite value >= low ({low})"));
        }

        if ((double)high - low > float.MaxValue)
        {
            throw Refused(nameof(high), high, string.Create(CultureInfo.InvariantCulture, $"high - low <= {float.MaxValue} (low is {low}; the width must be a finite float)"));
        }
    }

    /// <summary>PyTorch's float uniform transform <c>u · (to - from) + from</c>, u with 24 random bits in [0, 1).</summary>
    private static void FillUniform(Span<float> values, Rng rng, float low, float high)
    {
        float width = high - low;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (rng.NextSingle() * width) + low;
        }
    }

    /// <summary>The tensor's values, after checking the arguments every initializer takes (nothing is written yet).</summary>
    private static Span<float> Target(ParameterSet parameters, ParameterTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(tensor);

        // ValuesOf refuses a tensor that is not one of parameters.Tensors (another model's) with an ArgumentException.
        return parameters.ValuesOf(tensor);
    }

    /// <summary><see cref="Target(ParameterSet, ParameterTensor)"/> for the initializers that draw.</summary>
    private static Span<float> Target(ParameterSet parameters, ParameterTensor tensor, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return Target(parameters, tensor);
    }

    /// <summary>The tensor named <paramref name="name"/>; an unknown name is an <see cref="ArgumentException"/> listing the tensors.</summary>
    private static ParameterTensor Find(ParameterSet parameters, string name)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            return parameters[name];
        }
        catch (KeyNotFoundException e)
        {
            // The indexer's message lists every tensor with its shape; here the name is an argument, so it is an argument error.
            throw new ArgumentException(e.Message, nameof(name), e);
        }
    }

    private static void CheckFinite(float value, string paramName)
    {
        if (!float.IsFinite(value))
        {
            throw Refused(paramName, value, "a finite value");
        }
    }

    private static ArgumentOutOfRangeException Refused(string paramName, object value, string expected) =>
        new(paramName, value, string.Create(CultureInfo.InvariantCulture, $"Invalid {paramName}: {value}; expected {expected}."));

    private static ArgumentException WrongRank(ParameterTensor tensor, string pyTorchMessage, string expected) =>
        new($"{pyTorchMessage}: '{tensor.Name}' is [{string.Join(", ", tensor.Shape)}]; expected {expected}.", nameof(tensor));
}
