using System;
using System.Globalization;

namespace StaticGrad.Data;

/// <summary>
/// scikit-learn's <c>StandardScaler</c> over row-major <c>[samples, features]</c> float data: each feature less its mean,
/// divided by its standard deviation (population, <c>ddof=0</c>), with the statistics fitted on training data and applied
/// to any other.
/// </summary>
/// <remarks>
/// <para>
/// The statistics are float64, as scikit-learn accumulates them: the sums of a fit run in float64 over the rows in order
/// (numpy's order for a reduction over the rows of a C-ordered array of several columns), and <see cref="PartialFit"/>
/// combines chunks with scikit-learn's <c>_incremental_mean_and_var</c> (the corrected two-pass variance of Chan, Golub
/// and LeVeque), so a value far from zero (1e6 plus noise) keeps its variance. For data of several features the fitted
/// statistics equal scikit-learn 1.2's bit for bit; for a single feature numpy sums the column pairwise, and the variance
/// and scale may differ in their last float64 bits, far below what moves a float32 transform.
/// </para>
/// <para>
/// <see cref="Scale"/> is the square root of <see cref="Variance"/>, or 1 for a feature scikit-learn's
/// <c>_is_constant_feature</c> finds constant: <c>var ≤ n·ε·var + (n·mean·ε)²</c> with <c>n</c> the feature's samples
/// and ε float64's machine epsilon (a constant column's rounding noise is not blown up into unit variance).
/// </para>
/// <para>
/// <see cref="Transform(ReadOnlySpan{float}, Span{float})"/> computes what scikit-learn computes for float32 input (<c>X -= mean_; X /= scale_</c> on a
/// float32 array with float64 statistics): per value <c>t = (float)(x - mean)</c> in float64, then
/// <c>(float)(t / scale)</c> in float64; <see cref="InverseTransform"/> is <c>(float)((float)(x · scale) + mean)</c>.
/// With equal statistics the outputs equal scikit-learn's bit for bit.
/// </para>
/// <para>
/// NaN is a missing value, as in scikit-learn: a fit ignores it (each feature counts its own samples,
/// <see cref="SamplesSeenPerFeature"/>) and the transforms keep it. Infinity is refused everywhere, as scikit-learn
/// refuses it. A feature without any value has NaN statistics (scikit-learn's too). Unlike scikit-learn 1.2, a
/// <see cref="PartialFit"/> chunk in which a feature has no value leaves that feature's statistics as they were (scikit-learn
/// turns them NaN for good).
/// </para>
/// <para>
/// Fitting is not thread-safe. Once fitted, <see cref="Transform(ReadOnlySpan{float}, Span{float})"/> and <see cref="InverseTransform"/> only read the
/// scaler: any number of threads may call them at once, and they allocate nothing.
/// </para>
/// </remarks>
public sealed class StandardScaler
{
    private double[] _mean = [];
    private double[] _variance = [];
    private double[] _scale = [];
    private long[] _seen = [];

    // One chunk's sums and counts per feature, kept so that PartialFit on a stream of batches allocates nothing.
    private double[] _chunkSum = [];
    private double[] _chunkCorrection = [];
    private double[] _chunkSquares = [];
    private long[] _chunkCount = [];

    // Saved statistics carry no sample counts, which the incremental update needs.
    private bool _fromStatistics;

    /// <summary>Creates an unfitted scaler (scikit-learn's <c>StandardScaler(with_mean=, with_std=)</c>).</summary>
    /// <param name="withMean">Subtract each feature's mean.</param>
    /// <param name="withStd">Divide by each feature's <see cref="Scale"/>.</param>
    public StandardScaler(bool withMean = true, bool withStd = true)
    {
        WithMean = withMean;
        WithStd = withStd;
    }

    /// <summary>Whether <see cref="Transform(ReadOnlySpan{float}, Span{float})"/> subtracts the mean (scikit-learn's <c>with_mean</c>).</summary>
    public bool WithMean { get; }

    /// <summary>Whether <see cref="Transform(ReadOnlySpan{float}, Span{float})"/> divides by <see cref="Scale"/> (scikit-learn's <c>with_std</c>).</summary>
    public bool WithStd { get; }

    /// <summary>Whether the scaler has statistics (from a fit or <see cref="FromStatistics"/>).</summary>
    public bool IsFitted => Features > 0;

    /// <summary>The features per sample (scikit-learn's <c>n_features_in_</c>); 0 before the first fit.</summary>
    public int Features { get; private set; }

    /// <summary>The rows given to <see cref="Fit(ReadOnlySpan{float}, int)"/> and <see cref="PartialFit"/> since the last <see cref="Fit(ReadOnlySpan{float}, int)"/>.</summary>
    public long SamplesSeen { get; private set; }

    /// <summary>
    /// Each feature's samples that were not NaN (scikit-learn's <c>n_samples_seen_</c>, which is this array when the counts
    /// differ and their common value otherwise); empty for a scaler built <see cref="FromStatistics"/>.
    /// </summary>
    public ReadOnlySpan<long> SamplesSeenPerFeature => _seen;

    /// <summary>
    /// Each feature's mean (scikit-learn's <c>mean_</c>; fitted with <see cref="WithMean"/> false too, as scikit-learn does;
    /// empty when neither <see cref="WithMean"/> nor <see cref="WithStd"/>, where scikit-learn's is None).
    /// </summary>
    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>
    /// Each feature's population variance (scikit-learn's <c>var_</c>); empty without <see cref="WithStd"/> (None in
    /// scikit-learn) and for a scaler built <see cref="FromStatistics"/>.
    /// </summary>
    public ReadOnlySpan<double> Variance => _variance;

    /// <summary>
    /// Each feature's divisor (scikit-learn's <c>scale_</c>): the standard deviation, or 1 for a constant feature (see the
    /// remarks); empty without <see cref="WithStd"/>.
    /// </summary>
    public ReadOnlySpan<double> Scale => _scale;

    /// <summary>
    /// A fitted scaler from saved statistics (a deployed model standardizing its inputs without the training data), as
    /// scikit-learn's <c>mean_</c> and <c>scale_</c> set on a new <c>StandardScaler(with_mean=, with_std=)</c>: pass the
    /// fitted scaler's <see cref="Mean"/>, <see cref="Scale"/>, <see cref="WithMean"/> and <see cref="WithStd"/>.
    /// </summary>
    /// <remarks>
    /// The flags are required because a scaler fitted with <c>withMean: false</c> still has a <see cref="Mean"/> (as
    /// scikit-learn's <c>mean_</c>, which its variance needs): restoring from the spans alone would center what the
    /// fitted scaler does not.
    /// </remarks>
    /// <param name="mean">Each feature's mean (<see cref="Mean"/>); may be empty when <paramref name="withMean"/> is false, and is then not used.</param>
    /// <param name="scale">Each feature's <see cref="Scale"/>; may be empty when <paramref name="withStd"/> is false, and is then not used.</param>
    /// <param name="withMean">Whether the scaler subtracts the mean (the fitted scaler's <see cref="WithMean"/>).</param>
    /// <param name="withStd">Whether it divides by the scale (the fitted scaler's <see cref="WithStd"/>).</param>
    /// <returns>
    /// A scaler whose <see cref="Transform(ReadOnlySpan{float}, Span{float})"/> and <see cref="InverseTransform"/> equal those of the scaler the statistics
    /// came from; it has no <see cref="Variance"/> or sample counts, so <see cref="PartialFit"/> cannot extend it
    /// (<see cref="Fit(ReadOnlySpan{float}, int)"/> starts afresh).
    /// </returns>
    /// <exception cref="ArgumentException">
    /// A span the flags use is empty, both are empty, their lengths differ, a mean is not finite, or a scale is not
    /// finite and positive.
    /// </exception>
    public static StandardScaler FromStatistics(ReadOnlySpan<double> mean, ReadOnlySpan<double> scale, bool withMean, bool withStd)
    {
        if (withMean && mean.IsEmpty)
        {
            throw new ArgumentException("mean is empty; expected one mean per feature (withMean is true).", nameof(mean));
        }

        if (withStd && scale.IsEmpty)
        {
            throw new ArgumentException("scale is empty; expected one scale per feature (withStd is true).", nameof(scale));
        }

        if (mean.IsEmpty && scale.IsEmpty)
        {
            throw new ArgumentException("mean and scale are both empty; expected the statistics of at least one feature in one of them.", nameof(mean));
        }

        if (!mean.IsEmpty && !scale.IsEmpty && mean.Length != scale.Length)
        {
            throw new ArgumentException($"scale has {scale.Length} values; expected {mean.Length}, one per feature as mean has.", nameof(scale));
        }

        for (int f = 0; f < mean.Length; f++)
        {
            if (!double.IsFinite(mean[f]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"mean[{f}] is {mean[f]}; expected a finite value."), nameof(mean));
            }
        }

        for (int f = 0; f < scale.Length; f++)
        {
            if (!(double.IsFinite(scale[f]) && scale[f] > 0))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"scale[{f}] is {scale[f]}; expected a finite value > 0 (a constant feature's scale is 1, not 0)."),
                    nameof(scale));
            }
        }

        return new StandardScaler(withMean, withStd)
        {
            _mean = mean.ToArray(),
            _scale = scale.ToArray(),
            Features = Math.Max(mean.Length, scale.Length),
            _fromStatistics = true,
        };
    }

    /// <summary>Fits the statistics to <paramref name="values"/>, forgetting any earlier fit (scikit-learn's <c>fit</c>).</summary>
    /// <param name="values">Row-major <c>[samples, features]</c>; at least one sample. NaN is a missing value; infinity is refused.</param>
    /// <param name="features">Values per sample; positive.</param>
    /// <returns>This scaler.</returns>
    /// <exception cref="ArgumentException">The length is not a positive multiple of <paramref name="features"/>, or a value is infinite.</exception>
    public StandardScaler Fit(ReadOnlySpan<float> values, int features)
    {
        ScalerArgument.Rows(values, features, nameof(values));
        ScalerArgument.NoInfinity(values, features, nameof(values));
        Reset(features);
        Accumulate(values);
        return this;
    }

    /// <summary>
    /// Adds <paramref name="values"/> to the statistics (scikit-learn's <c>partial_fit</c>): chunks fitted one after another
    /// give one <see cref="Fit(ReadOnlySpan{float}, int)"/> of all their rows to float64 rounding. The first call on an
    /// unfitted scaler is a fit; after the first, it allocates nothing.
    /// </summary>
    /// <param name="values">Row-major <c>[samples, features]</c>; at least one sample. NaN is a missing value; infinity is refused.</param>
    /// <param name="features">Values per sample: <see cref="Features"/> once fitted.</param>
    /// <returns>This scaler.</returns>
    /// <exception cref="ArgumentException">
    /// The length is not a positive multiple of <paramref name="features"/>, <paramref name="features"/> differs from
    /// <see cref="Features"/>, or a value is infinite.
    /// </exception>
    /// <exception cref="InvalidOperationException">The scaler was built <see cref="FromStatistics"/>, without the sample counts an update needs.</exception>
    public StandardScaler PartialFit(ReadOnlySpan<float> values, int features)
    {
        if (_fromStatistics)
        {
            throw new InvalidOperationException(
                "This StandardScaler was built from saved statistics, without the variances and sample counts PartialFit needs to extend them; expected a scaler fitted with Fit or PartialFit (Fit starts afresh).");
        }

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

    /// <summary>Fits the statistics to <paramref name="values"/> and writes their transform (scikit-learn's <c>fit_transform</c>).</summary>
    /// <param name="values">Row-major <c>[samples, features]</c>; at least one sample.</param>
    /// <param name="features">Values per sample; positive.</param>
    /// <param name="output">As many values as <paramref name="values"/>; may be the same span (in place).</param>
    /// <returns>This scaler.</returns>
    /// <exception cref="ArgumentException">As <see cref="Fit(ReadOnlySpan{float}, int)"/> and <see cref="Transform(ReadOnlySpan{float}, Span{float})"/>; nothing is fitted then.</exception>
    public StandardScaler FitTransform(ReadOnlySpan<float> values, int features, Span<float> output)
    {
        ScalerArgument.Rows(values, features, nameof(values));
        ScalerArgument.Batch(values, output, features);
        Fit(values, features);
        Transform(values, output);
        return this;
    }

    /// <summary>
    /// Standardizes <paramref name="input"/> into <paramref name="output"/> (scikit-learn's <c>transform</c>; see the remarks
    /// for the arithmetic). Allocates nothing; thread-safe on a fitted scaler.
    /// </summary>
    /// <param name="input">Row-major <c>[samples, Features]</c> (any number of samples, 0 too). NaN stays NaN; infinity is refused.</param>
    /// <param name="output">As many values as <paramref name="input"/>; may be the same span (in place), else must not overlap it.</param>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    /// <exception cref="ArgumentException">The lengths do not fit, the spans overlap at an offset, or a value is infinite (nothing is written then).</exception>
    public void Transform(ReadOnlySpan<float> input, Span<float> output)
    {
        CheckBatch(input, output, nameof(Transform));
        int features = Features;
        ReadOnlySpan<double> mean = WithMean ? _mean : default, scale = WithStd ? _scale : default;
        for (int row = 0; row < input.Length; row += features)
        {
            ReadOnlySpan<float> x = input.Slice(row, features);
            Span<float> y = output.Slice(row, features);
            for (int f = 0; f < x.Length; f++)
            {
                // Two roundings to float, as numpy's in-place X -= mean_ then X /= scale_ on a float32 X.
                float value = x[f];
                if (!mean.IsEmpty)
                {
                    value = (float)(value - mean[f]);
                }

                if (!scale.IsEmpty)
                {
                    value = (float)(value / scale[f]);
                }

                y[f] = value;
            }
        }
    }

    /// <summary>
    /// Undoes <see cref="Transform(ReadOnlySpan{float}, Span{float})"/> (scikit-learn's <c>inverse_transform</c>: <c>X *= scale_; X += mean_</c>), e.g. to bring
    /// a regression's predictions of standardized targets back to the targets' units. Allocates nothing; thread-safe on a
    /// fitted scaler.
    /// </summary>
    /// <param name="input">Row-major <c>[samples, Features]</c> of standardized values. NaN stays NaN; infinity is refused.</param>
    /// <param name="output">As many values as <paramref name="input"/>; may be the same span (in place), else must not overlap it.</param>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    /// <exception cref="ArgumentException">The lengths do not fit, the spans overlap at an offset, or a value is infinite (nothing is written then).</exception>
    public void InverseTransform(ReadOnlySpan<float> input, Span<float> output)
    {
        CheckBatch(input, output, nameof(InverseTransform));
        int features = Features;
        ReadOnlySpan<double> mean = WithMean ? _mean : default, scale = WithStd ? _scale : default;
        for (int row = 0; row < input.Length; row += features)
        {
            ReadOnlySpan<float> x = input.Slice(row, features);
            Span<float> y = output.Slice(row, features);
            for (int f = 0; f < x.Length; f++)
            {
                float value = x[f];
                if (!scale.IsEmpty)
                {
                    value = (float)(value * scale[f]);
                }

                if (!mean.IsEmpty)
                {
                    value = (float)(value + mean[f]);
                }

                y[f] = value;
            }
        }
    }

    /// <summary>Fits the statistics to a dataset's features (<see cref="Fit(ReadOnlySpan{float}, int)"/>).</summary>
    /// <param name="dataset">The samples, usually the training split alone.</param>
    /// <returns>This scaler.</returns>
    public StandardScaler Fit(InMemoryDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return Fit(dataset.FeatureValues, dataset.Features);
    }

    /// <summary>Fits the statistics to a dataset's float targets (a regression's target standardization).</summary>
    /// <param name="dataset">A dataset of float targets, usually the training split alone.</param>
    /// <returns>This scaler.</returns>
    /// <exception cref="ArgumentException">The dataset holds class labels.</exception>
    public StandardScaler FitTargets(InMemoryDataset dataset)
    {
        ScalerArgument.HasTargets(dataset);
        return Fit(dataset.TargetValues, dataset.Targets);
    }

    /// <summary>A copy of <paramref name="dataset"/> with its features standardized; labels or targets unchanged.</summary>
    /// <param name="dataset">Samples of <see cref="Features"/> features.</param>
    /// <returns>The new dataset (the labels or targets shared, as datasets are immutable).</returns>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    /// <exception cref="ArgumentException">
    /// The dataset has another feature count, or a standardized value is not finite (a feature with NaN statistics).
    /// </exception>
    public InMemoryDataset Transform(InMemoryDataset dataset) => ScaledDataset.Features(dataset, IsFitted, Features, Transform);

    /// <summary>A copy of <paramref name="dataset"/> with its targets standardized; features unchanged.</summary>
    /// <param name="dataset">A dataset of <see cref="Features"/> float targets per sample.</param>
    /// <returns>The new dataset (the features shared, as datasets are immutable).</returns>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    /// <exception cref="ArgumentException">
    /// The dataset holds labels or another target count, or a standardized value is not finite.
    /// </exception>
    public InMemoryDataset TransformTargets(InMemoryDataset dataset) => ScaledDataset.Targets(dataset, IsFitted, Features, Transform);

    private void CheckBatch(ReadOnlySpan<float> input, Span<float> output, string operation)
        => ScalerArgument.Transformable(IsFitted, "StandardScaler", "FromStatistics", operation, input, output, Features);

    /// <summary>Forgets every statistic and sizes the arrays for <paramref name="features"/> (reused when the count is unchanged).</summary>
    private void Reset(int features)
    {
        if (_chunkSum.Length != features)
        {
            _seen = new long[features];
            _chunkSum = new double[features];
            _chunkCorrection = new double[features];
            _chunkSquares = new double[features];
            _chunkCount = new long[features];
        }

        bool moments = WithMean || WithStd;
        _mean = !moments ? [] : _mean.Length == features ? _mean : new double[features];
        _variance = !WithStd ? [] : _variance.Length == features ? _variance : new double[features];
        _scale = !WithStd ? [] : _scale.Length == features ? _scale : new double[features];

        // A feature with no value yet has NaN statistics, as scikit-learn reports for it.
        _mean.AsSpan().Fill(double.NaN);
        _variance.AsSpan().Fill(double.NaN);
        _scale.AsSpan().Fill(double.NaN);
        Array.Clear(_seen);
        SamplesSeen = 0;
        Features = features;
        _fromStatistics = false;
    }

    /// <summary>scikit-learn's <c>_incremental_mean_and_var</c> for one chunk, feature by feature (validated input).</summary>
    private void Accumulate(ReadOnlySpan<float> values)
    {
        int features = Features;
        Span<double> sum = _chunkSum, correction = _chunkCorrection, squares = _chunkSquares;
        Span<long> count = _chunkCount;
        sum.Clear();
        correction.Clear();
        squares.Clear();
        count.Clear();

        // numpy's np.nansum(X, axis=0, dtype=float64): row after row, so each feature's sum runs in row order.
        for (int row = 0; row < values.Length; row += features)
        {
            ReadOnlySpan<float> x = values.Slice(row, features);
            for (int f = 0; f < features; f++)
            {
                if (!float.IsNaN(x[f]))
                {
                    sum[f] += x[f];
                    count[f]++;
                }
            }
        }

        if (WithStd)
        {
            // The second pass of the corrected two-pass algorithm, about the chunk's own mean T = sum / n: the squares
            // of the deviations, less (Σ deviations)² / n, which removes the error of T itself.
            for (int row = 0; row < values.Length; row += features)
            {
                ReadOnlySpan<float> x = values.Slice(row, features);
                for (int f = 0; f < features; f++)
                {
                    if (!float.IsNaN(x[f]))
                    {
                        double deviation = x[f] - (sum[f] / count[f]);
                        correction[f] += deviation;
                        squares[f] += deviation * deviation;
                    }
                }
            }
        }

        for (int f = 0; f < features; f++)
        {
            long lastCount = _seen[f], newCount = count[f];
            if (newCount == 0)
            {
                // Nothing new for this feature: keep its statistics (scikit-learn's formula divides 0 by 0 here).
                continue;
            }

            long updatedCount = lastCount + newCount;
            _seen[f] = updatedCount;
            if (_mean.Length == 0)
            {
                continue;
            }

            double newUnnormalized = squares[f] - (correction[f] * correction[f] / newCount);
            if (lastCount == 0)
            {
                // scikit-learn's first chunk (its zero last sum and count drop out of the update exactly).
                _mean[f] = sum[f] / updatedCount;
                if (WithStd)
                {
                    _variance[f] = newUnnormalized / updatedCount;
                }

                continue;
            }

            // scikit-learn's update, term for term and in its order, so that the rounding is its own.
            double lastSum = _mean[f] * lastCount;
            _mean[f] = (lastSum + sum[f]) / updatedCount;
            if (WithStd)
            {
                double lastUnnormalized = _variance[f] * lastCount;
                double lastOverNew = (double)lastCount / newCount;
                double gap = (lastSum / lastOverNew) - sum[f];
                double updatedUnnormalized = lastUnnormalized + newUnnormalized + (lastOverNew / updatedCount * (gap * gap));
                _variance[f] = updatedUnnormalized / updatedCount;
            }
        }

        SamplesSeen += values.Length / features;
        if (WithStd)
        {
            for (int f = 0; f < features; f++)
            {
                _scale[f] = IsConstant(_variance[f], _mean[f], _seen[f]) ? 1.0 : Math.Sqrt(_variance[f]);
            }
        }
    }

    /// <summary>
    /// scikit-learn's <c>_is_constant_feature</c>: a variance within the two-pass algorithm's error bound of zero,
    /// <c>n·ε·var + (n·mean·ε)²</c>, is rounding noise of a constant feature (false for NaN).
    /// </summary>
    private static bool IsConstant(double variance, double mean, long samples)
    {
        const double Epsilon = 2.220446049250313e-16; // float64's machine epsilon, numpy's finfo(float64).eps
        double relative = samples * mean * Epsilon;
        return variance <= (samples * Epsilon * variance) + (relative * relative);
    }
}
