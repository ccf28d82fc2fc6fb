using System;
using System.Globalization;

namespace StaticGrad.Data;

/// <summary>
/// scikit-learn's <c>MinMaxScaler(feature_range=(featureMin, featureMax), clip=)</c> over row-major
/// <c>[samples, features]</c> float data: each feature mapped linearly so that its fitted minimum and maximum land on
/// <see cref="FeatureMin"/> and <see cref="FeatureMax"/>.
/// </summary>
/// <remarks>
/// <para>
/// For float32 input scikit-learn keeps every attribute in float32 (numpy's rules for a Python float against a float32
/// array), and so does this class, in its order of operations: <c>DataRange = DataMax - DataMin</c>;
/// <c>Scale = (float)(featureMax - featureMin) / DataRange</c>, with a range below <c>10 · 2⁻²³</c> (ten times float32's
/// epsilon, scikit-learn's <c>_handle_zeros_in_scale</c>) taken as 1, so a constant feature maps to
/// <c>featureMin + (featureMax - featureMin) · (x - DataMin)</c> (its fitted value to <c>featureMin</c>);
/// <c>Min = (float)featureMin - DataMin · Scale</c>. <see cref="Transform(ReadOnlySpan{float}, Span{float})"/> is
/// <c>x · Scale + Min</c> (two float roundings, no fused multiply-add), then with <see cref="Clip"/> clamped to the feature
/// range; <see cref="InverseTransform"/> is <c>(x - Min) / Scale</c>. The results equal scikit-learn 1.2's bit for bit.
/// </para>
/// <para>
/// NaN is a missing value, as in scikit-learn: a fit ignores it and the transforms (clipping too) keep it; infinity is
/// refused. A feature without any value has NaN attributes (scikit-learn's too); unlike scikit-learn 1.2, a
/// <see cref="PartialFit"/> chunk in which a feature has no value leaves its minimum and maximum as they were (numpy's
/// <c>minimum</c> makes scikit-learn's NaN).
/// </para>
/// <para>
/// Fitting is not thread-safe. Once fitted, <see cref="Transform(ReadOnlySpan{float}, Span{float})"/> and <see cref="InverseTransform"/> only read the
/// scaler: any number of threads may call them at once, and they allocate nothing.
/// </para>
/// </remarks>
public sealed class MinMaxScaler
{
    // The smallest data range scikit-learn divides by for float32 data: 10 · finfo(float32).eps, exact in float.
    private const float SmallestRange = 10 * 1.1920929E-07f;

    private float[] _dataMin = [];
    private float[] _dataMax = [];
    private float[] _dataRange = [];
    private float[] _scale = [];
    private float[] _min = [];

    /// <summary>Creates an unfitted scaler to <c>[featureMin, featureMax]</c>.</summary>
    /// <param name="featureMin">The value a feature's minimum maps to (scikit-learn's <c>feature_range[0]</c>); finite.</param>
    /// <param name="featureMax">The value a feature's maximum maps to (<c>feature_range[1]</c>); finite and above <paramref name="featureMin"/>.</param>
    /// <param name="clip">Clamp transformed values to the range (values beyond the fitted minimum and maximum would leave it).</param>
    /// <exception cref="ArgumentException">
    /// A bound is not finite, or <paramref name="featureMin"/> is not below <paramref name="featureMax"/> (scikit-learn's
    /// fit refuses that too).
    /// </exception>
    public MinMaxScaler(double featureMin = 0, double featureMax = 1, bool clip = false)
    {
        if (!double.IsFinite(featureMin))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"featureMin is {featureMin}; expected a finite value."), nameof(featureMin));
        }

        if (!double.IsFinite(featureMax) || featureMin >= featureMax)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"featureMax is {featureMax}; expected a finite value above featureMin ({featureMin}), as the minimum of the feature range must be smaller than its maximum."),
                nameof(featureMax));
        }

        FeatureMin = featureMin;
        FeatureMax = featureMax;
        Clip = clip;
    }

    /// <summary>The value each feature's fitted minimum maps to (scikit-learn's <c>feature_range[0]</c>).</summary>
    public double FeatureMin { get; }

    /// <summary>The value each feature's fitted maximum maps to (scikit-learn's <c>feature_range[1]</c>).</summary>
    public double FeatureMax { get; }

    /// <summary>Whether <see cref="Transform(ReadOnlySpan{float}, Span{float})"/> clamps its output to the feature range (scikit-learn's <c>clip</c>).</summary>
    public bool Clip { get; }

    /// <summary>Whether the scaler has a data range (from a fit or <see cref="FromDataRange"/>).</summary>
    public bool IsFitted => Features > 0;

    /// <summary>The features per sample (scikit-learn's <c>n_features_in_</c>); 0 before the first fit.</summary>
    public int Features { get; private set; }

    /// <summary>
    /// The rows given to <see cref="Fit(ReadOnlySpan{float}, int)"/> and <see cref="PartialFit"/> since the last
    /// <see cref="Fit(ReadOnlySpan{float}, int)"/> or <see cref="FromDataRange"/> (scikit-learn's <c>n_samples_seen_</c>,
    /// which counts rows, NaN or not).
    /// </summary>
    public long SamplesSeen { get; private set; }

    /// <summary>Each feature's smallest value seen, NaN ignored (scikit-learn's <c>data_min_</c>).</summary>
    public ReadOnlySpan<float> DataMin => _dataMin;

    /// <summary>Each feature's largest value seen, NaN ignored (scikit-learn's <c>data_max_</c>).</summary>
    public ReadOnlySpan<float> DataMax => _dataMax;

    /// <summary><see cref="DataMax"/> - <see cref="DataMin"/> in float (scikit-learn's <c>data_range_</c>, 0 for a constant feature).</summary>
    public ReadOnlySpan<float> DataRange => _dataRange;

    /// <summary>Each feature's factor (scikit-learn's <c>scale_</c>; see the remarks for a range near zero).</summary>
    public ReadOnlySpan<float> Scale => _scale;

    /// <summary>Each feature's offset after scaling (scikit-learn's <c>min_</c>).</summary>
    public ReadOnlySpan<float> Min => _min;

    /// <summary>
    /// A fitted scaler from a saved data range (a deployed model scaling its inputs without the training data): the
    /// attributes a fit to data with these minima and maxima computes.
    /// </summary>
    /// <param name="dataMin">Each feature's minimum (<see cref="DataMin"/>); at least one feature, finite.</param>
    /// <param name="dataMax">Each feature's maximum (<see cref="DataMax"/>); one per feature, finite, at least its minimum.</param>
    /// <param name="featureMin">As the constructor's.</param>
    /// <param name="featureMax">As the constructor's.</param>
    /// <param name="clip">As the constructor's.</param>
    /// <returns>The scaler, with <see cref="SamplesSeen"/> 0; <see cref="PartialFit"/> extends its range.</returns>
    /// <exception cref="ArgumentException">A range is empty, the lengths differ, a value is not finite, or a minimum exceeds its maximum.</exception>
    public static MinMaxScaler FromDataRange(ReadOnlySpan<float> dataMin, ReadOnlySpan<float> dataMax, double featureMin = 0, double featureMax = 1, bool clip = false)
    {
        var scaler = new MinMaxScaler(featureMin, featureMax, clip);
        if (dataMin.IsEmpty)
        {
            throw new ArgumentException("dataMin is empty; expected each feature's minimum, at least one.", nameof(dataMin));
        }

        if (dataMax.Length != dataMin.Length)
        {
            throw new ArgumentException($"dataMax has {dataMax.Length} values; expected {dataMin.Length}, one per feature as dataMin has.", nameof(dataMax));
        }

        for (int f = 0; f < dataMin.Length; f++)
        {
            if (!float.IsFinite(dataMin[f]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"dataMin[{f}] is {dataMin[f]}; expected a finite value."), nameof(dataMin));
            }

            if (!float.IsFinite(dataMax[f]) || dataMax[f] < dataMin[f])
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"dataMax[{f}] is {dataMax[f]}; expected a finite value of at least dataMin[{f}] ({dataMin[f]})."),
                    nameof(dataMax));
            }
        }

        scaler.Reset(dataMin.Length);
        dataMin.CopyTo(scaler._dataMin);
        dataMax.CopyTo(scaler._dataMax);
        scaler.UpdateScale();
        return scaler;
    }

    /// <summary>Fits the range to <paramref name="values"/>, forgetting any earlier fit (scikit-learn's <c>fit</c>).</summary>
    /// <param name="values">Row-major <c>[samples, features]</c>; at least one sample. NaN is a missing value; infinity is refused.</param>
    /// <param name="features">Values per sample; positive.</param>
    /// <returns>This scaler.</returns>
    /// <exception cref="ArgumentException">The length is not a positive multiple of <paramref name="features"/>, or a value is infinite.</exception>
    public MinMaxScaler Fit(ReadOnlySpan<float> values, int features)
    {
        ScalerArgument.Rows(values, features, nameof(values));
        ScalerArgument.NoInfinity(values, features, nameof(values));
        Reset(features);
        Accumulate(values);
        return this;
    }

    /// <summary>
    /// Widens the range by <paramref name="values"/> (scikit-learn's <c>partial_fit</c>): chunks fitted one after another
    /// give exactly one <see cref="Fit(ReadOnlySpan{float}, int)"/> of all their rows. The first call on an unfitted scaler
    /// is a fit; after the first, it allocates nothing.
    /// </summary>
    /// <param name="values">Row-major <c>[samples, features]</c>; at least one sample. NaN is a missing value; infinity is refused.</param>
    /// <param name="features">Values per sample: <see cref="Features"/> once fitted.</param>
    /// <returns>This scaler.</returns>
    /// <exception cref="ArgumentException">
    /// The length is not a positive multiple of <paramref name="features"/>, <paramref name="features"/> differs from
    /// <see cref="Features"/>, or a value is infinite.
    /// </exception>
    public MinMaxScaler PartialFit(ReadOnlySpan<float> values, int features)
    {
        ScalerArgument.Rows(values, features, nameof(values));
        if (IsFitted)
        {
            ScalerArgument.SameFeatures(features, Features);
        }

        ScalerArgument.NoInfinity(values, features, nameof(values));
        if (!IsFitted)
        {
            Reset(features);
        }

        Accumulate(values);
        return this;
    }

    /// <summary>Fits the range to <paramref name="values"/> and writes their transform (scikit-learn's <c>fit_transform</c>).</summary>
    /// <param name="values">Row-major <c>[samples, features]</c>; at least one sample.</param>
    /// <param name="features">Values per sample; positive.</param>
    /// <param name="output">As many values as <paramref name="values"/>; may be the same span (in place).</param>
    /// <returns>This scaler.</returns>
    /// <exception cref="ArgumentException">As <see cref="Fit(ReadOnlySpan{float}, int)"/> and <see cref="Transform(ReadOnlySpan{float}, Span{float})"/>; nothing is fitted then.</exception>
    public MinMaxScaler FitTransform(ReadOnlySpan<float> values, int features, Span<float> output)
    {
        ScalerArgument.Rows(values, features, nameof(values));
        ScalerArgument.Batch(values, output, features);
        Fit(values, features);
        Transform(values, output);
        return this;
    }

    /// <summary>
    /// Scales <paramref name="input"/> into <paramref name="output"/> (scikit-learn's <c>transform</c>: <c>x · Scale + Min</c>,
    /// clamped with <see cref="Clip"/>). Allocates nothing; thread-safe on a fitted scaler.
    /// </summary>
    /// <param name="input">Row-major <c>[samples, Features]</c> (any number of samples, 0 too). NaN stays NaN; infinity is refused.</param>
    /// <param name="output">As many values as <paramref name="input"/>; may be the same span (in place), else must not overlap it.</param>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    /// <exception cref="ArgumentException">The lengths do not fit, the spans overlap at an offset, or a value is infinite (nothing is written then).</exception>
    public void Transform(ReadOnlySpan<float> input, Span<float> output)
    {
        CheckBatch(input, output, nameof(Transform));
        int features = Features;
        ReadOnlySpan<float> scale = _scale, min = _min;
        float low = (float)FeatureMin, high = (float)FeatureMax;
        for (int row = 0; row < input.Length; row += features)
        {
            ReadOnlySpan<float> x = input.Slice(row, features);
            Span<float> y = output.Slice(row, features);
            for (int f = 0; f < x.Length; f++)
            {
                // Rounded after the product and after the sum, as numpy's X *= scale_ then X += min_.
                float scaled = x[f] * scale[f];
                float value = scaled + min[f];
                if (Clip)
                {
                    // np.clip's maximum then minimum: NaN fails both comparisons and stays NaN.
                    value = value < low ? low : value > high ? high : value;
                }

                y[f] = value;
            }
        }
    }

    /// <summary>
    /// Undoes <see cref="Transform(ReadOnlySpan{float}, Span{float})"/> (scikit-learn's <c>inverse_transform</c>: <c>(x - Min) / Scale</c>; a clipped value
    /// comes back as the range's end). Allocates nothing; thread-safe on a fitted scaler.
    /// </summary>
    /// <param name="input">Row-major <c>[samples, Features]</c> of scaled values. NaN stays NaN; infinity is refused.</param>
    /// <param name="output">As many values as <paramref name="input"/>; may be the same span (in place), else must not overlap it.</param>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    /// <exception cref="ArgumentException">The lengths do not fit, the spans overlap at an offset, or a value is infinite (nothing is written then).</exception>
    public void InverseTransform(ReadOnlySpan<float> input, Span<float> output)
    {
        CheckBatch(input, output, nameof(InverseTransform));
        int features = Features;
        ReadOnlySpan<float> scale = _scale, min = _min;
        for (int row = 0; row < input.Length; row += features)
        {
            ReadOnlySpan<float> x = input.Slice(row, features);
            Span<float> y = output.Slice(row, features);
            for (int f = 0; f < x.Length; f++)
            {
                y[f] = (x[f] - min[f]) / scale[f];
            }
        }
    }

    /// <summary>Fits the range to a dataset's features (<see cref="Fit(ReadOnlySpan{float}, int)"/>).</summary>
    /// <param name="dataset">The samples, usually the training split alone.</param>
    /// <returns>This scaler.</returns>
    public MinMaxScaler Fit(InMemoryDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return Fit(dataset.FeatureValues, dataset.Features);
    }

    /// <summary>Fits the range to a dataset's float targets.</summary>
    /// <param name="dataset">A dataset of float targets, usually the training split alone.</param>
    /// <returns>This scaler.</returns>
    /// <exception cref="ArgumentException">The dataset holds class labels.</exception>
    public MinMaxScaler FitTargets(InMemoryDataset dataset)
    {
        ScalerArgument.HasTargets(dataset);
        return Fit(dataset.TargetValues, dataset.Targets);
    }

    /// <summary>A copy of <paramref name="dataset"/> with its features scaled; labels or targets unchanged.</summary>
    /// <param name="dataset">Samples of <see cref="Features"/> features.</param>
    /// <returns>The new dataset (the labels or targets shared, as datasets are immutable).</returns>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    /// <exception cref="ArgumentException">The dataset has another feature count, or a scaled value is not finite.</exception>
    public InMemoryDataset Transform(InMemoryDataset dataset) => ScaledDataset.Features(dataset, IsFitted, Features, Transform);

    /// <summary>A copy of <paramref name="dataset"/> with its targets scaled; features unchanged.</summary>
    /// <param name="dataset">A dataset of <see cref="Features"/> float targets per sample.</param>
    /// <returns>The new dataset (the features shared, as datasets are immutable).</returns>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    /// <exception cref="ArgumentException">The dataset holds labels or another target count, or a scaled value is not finite.</exception>
    public InMemoryDataset TransformTargets(InMemoryDataset dataset) => ScaledDataset.Targets(dataset, IsFitted, Features, Transform);

    private void CheckBatch(ReadOnlySpan<float> input, Span<float> output, string operation)
        => ScalerArgument.Transformable(IsFitted, "MinMaxScaler", "FromDataRange", operation, input, output, Features);

    /// <summary>Forgets the range and sizes the arrays for <paramref name="features"/> (reused when the count is unchanged).</summary>
    private void Reset(int features)
    {
        if (_dataMin.Length != features)
        {
            _dataMin = new float[features];
            _dataMax = new float[features];
            _dataRange = new float[features];
            _scale = new float[features];
            _min = new float[features];
        }

        // NaN until a feature has a value: np.nanmin of a column of NaN is NaN, and a NaN bound yields to any value.
        _dataMin.AsSpan().Fill(float.NaN);
        _dataMax.AsSpan().Fill(float.NaN);
        SamplesSeen = 0;
        Features = features;
    }

    /// <summary>Widens the range by one chunk (validated input) and recomputes the attributes.</summary>
    private void Accumulate(ReadOnlySpan<float> values)
    {
        int features = Features;
        Span<float> dataMin = _dataMin, dataMax = _dataMax;
        for (int row = 0; row < values.Length; row += features)
        {
            ReadOnlySpan<float> x = values.Slice(row, features);
            for (int f = 0; f < features; f++)
            {
                float value = x[f];
                if (float.IsNaN(value))
                {
                    continue;
                }

                // A NaN bound (no value yet) fails the comparison's negation and takes the value.
                if (!(value >= dataMin[f]))
                {
                    dataMin[f] = value;
                }

                if (!(value <= dataMax[f]))
                {
                    dataMax[f] = value;
                }
            }
        }

        SamplesSeen += values.Length / features;
        UpdateScale();
    }

    /// <summary>scikit-learn's attributes from the range, in float and in its order of operations.</summary>
    private void UpdateScale()
    {
        float span = (float)(FeatureMax - FeatureMin), low = (float)FeatureMin;
        for (int f = 0; f < Features; f++)
        {
            float range = _dataMax[f] - _dataMin[f];
            _dataRange[f] = range;
            _scale[f] = span / (range < SmallestRange ? 1f : range);
            float shift = _dataMin[f] * _scale[f];
            _min[f] = low - shift;
        }
    }
}
