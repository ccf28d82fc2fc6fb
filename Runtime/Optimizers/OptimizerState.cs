using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace StaticGrad;

/// <summary>
/// A snapshot of an optimizer's state, the counterpart of PyTorch's <c>optimizer.state_dict()</c>:
/// the algorithm, the step count, the learning rate, the fixed hyperparameters and the state buffers
/// (momentum or moment estimates), each flat in the layout of <see cref="ParameterSet.Values"/>.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="IStatefulOptimizer.ExportState"/> creates one (with copies of the buffers);
/// <see cref="IStatefulOptimizer.ImportState"/> restores one; <see cref="CreateOptimizer"/> builds a
/// new optimizer with the recorded hyperparameters. Buffer names are PyTorch's state keys:
/// <c>momentum_buffer</c> (SGD), <c>exp_avg</c>, <c>exp_avg_sq</c> and <c>max_exp_avg_sq</c> (Adam, AdamW),
/// <c>square_avg</c>, <c>momentum_buffer</c> and <c>grad_avg</c> (RMSprop), <c>sum</c> (Adagrad), <c>square_avg</c> and
/// <c>acc_delta</c> (Adadelta), <c>exp_avg</c> and <c>exp_inf</c> (Adamax), <c>exp_avg</c> and <c>exp_avg_sq</c> (NAdam,
/// RAdam). NAdam's per-tensor <c>mu_product</c>, PyTorch's 0-dim state tensor, is one value per tensor in
/// <see cref="TensorScalars"/>.
/// </para>
/// <para>
/// Settings are text in the invariant culture: numbers in their shortest round-trip form
/// (<c>0.9</c>), flags as <c>true</c>/<c>false</c>. SGD records <c>momentum</c>, <c>dampening</c>,
/// <c>nesterov</c> and <c>weight_decay</c>; Adam and AdamW record <c>beta1</c>, <c>beta2</c>,
/// <c>eps</c>, <c>weight_decay</c> and <c>amsgrad</c>; RMSprop records <c>alpha</c>, <c>eps</c>, <c>weight_decay</c>,
/// <c>momentum</c> and <c>centered</c>; Adagrad records <c>lr_decay</c>, <c>weight_decay</c>,
/// <c>initial_accumulator_value</c> and <c>eps</c>; Adadelta records <c>rho</c>, <c>eps</c> and <c>weight_decay</c>;
/// Adamax and RAdam record <c>beta1</c>, <c>beta2</c>, <c>eps</c> and <c>weight_decay</c>; NAdam records those and
/// <c>momentum_decay</c>.
/// </para>
/// </remarks>
public sealed class OptimizerState
{
    /// <summary>The algorithm name of <see cref="Sgd"/>.</summary>
    public const string SgdAlgorithm = "sgd";

    /// <summary>The algorithm name of <see cref="Adam"/>.</summary>
    public const string AdamAlgorithm = "adam";

    /// <summary>The algorithm name of <see cref="AdamW"/>.</summary>
    public const string AdamWAlgorithm = "adamw";

    /// <summary>The algorithm name of <see cref="RMSprop"/>.</summary>
    public const string RMSpropAlgorithm = "rmsprop";

    /// <summary>The algorithm name of <see cref="Adagrad"/>.</summary>
    public const string AdagradAlgorithm = "adagrad";

    /// <summary>The algorithm name of <see cref="Adadelta"/>.</summary>
    public const string AdadeltaAlgorithm = "adadelta";

    /// <summary>The algorithm name of <see cref="Adamax"/>.</summary>
    public const string AdamaxAlgorithm = "adamax";

    /// <summary>The algorithm name of <see cref="NAdam"/>.</summary>
    public const string NAdamAlgorithm = "nadam";

    /// <summary>The algorithm name of <see cref="RAdam"/>.</summary>
    public const string RAdamAlgorithm = "radam";

    /// <summary>The name of NAdam's per-tensor scalar (<see cref="TensorScalars"/>), PyTorch's state key.</summary>
    internal const string MuProductScalar = "mu_product";

    private readonly KeyValuePair<string, string>[] _settings;
    private readonly KeyValuePair<string, float[]>[] _buffers;
    private readonly KeyValuePair<string, float[]>[] _tensorScalars;

    /// <summary>Creates a state. The buffer arrays are kept, not copied.</summary>
    /// <param name="algorithm">The algorithm: <see cref="SgdAlgorithm"/>, <see cref="AdamAlgorithm"/>, <see cref="AdamWAlgorithm"/>, <see cref="RMSpropAlgorithm"/>, <see cref="AdagradAlgorithm"/>, <see cref="AdadeltaAlgorithm"/>, <see cref="AdamaxAlgorithm"/>, <see cref="NAdamAlgorithm"/> or <see cref="RAdamAlgorithm"/> (others are allowed here but no optimizer imports them).</param>
    /// <param name="stepCount">Steps taken; at least 0.</param>
    /// <param name="learningRate">The learning rate; at least 0.</param>
    /// <param name="settings">The fixed hyperparameters as invariant text, distinct names.</param>
    /// <param name="buffers">The state buffers by name, distinct names, each flat in the parameter layout.</param>
    /// <param name="tensorSteps">
    /// The steps each parameter tensor's state has taken, in tensor order, each in [0, <paramref name="stepCount"/>]; null
    /// when every tensor has taken <paramref name="stepCount"/> (see <see cref="TensorSteps"/>). The array is kept, not copied.
    /// </param>
    /// <param name="tensorScalars">
    /// The per-tensor scalars by name (see <see cref="TensorScalars"/>; NAdam's <c>mu_product</c>), distinct names, each one
    /// value per parameter tensor in tensor order; null for none. The arrays are kept, not copied.
    /// </param>
    /// <exception cref="ArgumentException">An argument is out of range, null, or a name repeats (the exception names it).</exception>
    public OptimizerState(
        string algorithm,
        long stepCount,
        float learningRate,
        IEnumerable<KeyValuePair<string, string>> settings,
        IEnumerable<KeyValuePair<string, float[]>> buffers,
        long[]? tensorSteps = null,
        IEnumerable<KeyValuePair<string, float[]>>? tensorScalars = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(algorithm);
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        HyperParameter.LearningRate(learningRate, nameof(learningRate));
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(buffers);
        Algorithm = algorithm;
        StepCount = stepCount;
        LearningRate = learningRate;
        _settings = Distinct(settings, nameof(settings), static value => value is null ? "is null" : null);
        _buffers = Distinct(buffers, nameof(buffers), static value => value is null ? "is null" : null);
        _tensorScalars = Distinct(tensorScalars ?? [], nameof(tensorScalars), static value => value is null ? "is null" : null);
        if (tensorSteps is not null)
        {
            for (int i = 0; i < tensorSteps.Length; i++)
            {
                if (tensorSteps[i] < 0 || tensorSteps[i] > stepCount)
                {
                    throw new ArgumentOutOfRangeException(nameof(tensorSteps), tensorSteps[i], $"tensorSteps[{i}] is {tensorSteps[i]}; expected a count in [0, {stepCount}] (the steps taken).");
                }
            }
        }

        TensorSteps = tensorSteps;
    }

    /// <summary>The algorithm: <c>sgd</c>, <c>adam</c>, <c>adamw</c>, <c>rmsprop</c>, <c>adagrad</c>, <c>adadelta</c>, <c>adamax</c>, <c>nadam</c> or <c>radam</c>.</summary>
    public string Algorithm { get; }

    /// <summary>The number of steps taken (PyTorch's <c>state['step']</c>).</summary>
    public long StepCount { get; }

    /// <summary>
    /// The steps each parameter tensor's state has taken, in the order of <see cref="ParameterSet.Tensors"/>, or null when
    /// every tensor has taken <see cref="StepCount"/>. PyTorch keeps a state per parameter: the <c>step</c> of Adam, RMSprop, Adagrad, Adadelta, Adamax, NAdam and RAdam, which a
    /// tensor frozen during some steps did not advance, and SGD's <c>momentum_buffer</c>, which starts the first time a
    /// tensor steps with momentum (for SGD the count is the steps taken with momentum; 0 means no buffer yet).
    /// </summary>
    public IReadOnlyList<long>? TensorSteps { get; }

    /// <summary>The learning rate at the time of the snapshot (importing it restores it, as PyTorch's <c>load_state_dict</c> restores <c>param_groups</c>).</summary>
    public float LearningRate { get; }

    /// <summary>The fixed hyperparameters as invariant text, in a stable order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Settings => _settings;

    /// <summary>The state buffers, each flat in the layout of <see cref="ParameterSet.Values"/>, in a stable order.</summary>
    public IReadOnlyList<KeyValuePair<string, float[]>> Buffers => _buffers;

    /// <summary>
    /// The per-tensor scalars of the state, one value per parameter tensor in the order of <see cref="ParameterSet.Tensors"/>
    /// (PyTorch's 0-dim per-parameter state tensors): NAdam's <c>mu_product</c>, the float32 product of its momentum
    /// schedule over the tensor's steps. Empty for the other optimizers, and in a NAdam state saved before StaticGrad
    /// stored it (NAdam then recomputes it from the step counts).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, float[]>> TensorScalars => _tensorScalars;

    /// <summary>Finds a per-tensor scalar by name (see <see cref="TensorScalars"/>).</summary>
    /// <param name="name">The scalar, e.g. <c>mu_product</c>.</param>
    /// <returns>One value per tensor, or null if absent.</returns>
    public float[]? TensorScalar(string name) => Find(_tensorScalars, name);

    /// <summary>Finds a setting by name.</summary>
    /// <param name="name">The setting, e.g. <c>momentum</c>.</param>
    /// <returns>Its text, or null if absent.</returns>
    public string? Setting(string name)
    {
        foreach (KeyValuePair<string, string> pair in _settings)
        {
            if (string.Equals(pair.Key, name, StringComparison.Ordinal))
            {
                return pair.Value;
            }
        }

        return null;
    }

    /// <summary>Finds a buffer by name.</summary>
    /// <param name="name">The buffer, e.g. <c>exp_avg</c>.</param>
    /// <returns>The buffer, or null if absent.</returns>
    public float[]? Buffer(string name) => Find(_buffers, name);

    /// <summary>
    /// Creates an optimizer of <see cref="Algorithm"/> over <paramref name="parameters"/> with the recorded
    /// learning rate and hyperparameters. Its state is fresh: call <see cref="IStatefulOptimizer.ImportState"/>
    /// with this state to continue where the snapshot left off.
    /// </summary>
    /// <param name="parameters">The parameters the new optimizer updates.</param>
    /// <returns>A <see cref="Sgd"/>, <see cref="Adam"/>, <see cref="AdamW"/>, <see cref="RMSprop"/>, <see cref="Adagrad"/>, <see cref="Adadelta"/>, <see cref="Adamax"/>, <see cref="NAdam"/> or <see cref="RAdam"/>.</returns>
    /// <exception cref="InvalidDataException">The algorithm is unknown, or a setting is missing, malformed or out of range.</exception>
    public IStatefulOptimizer CreateOptimizer(ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        try
        {
            return Algorithm switch
            {
                SgdAlgorithm => new Sgd(
                    parameters,
                    LearningRate,
                    momentum: ParseFloatSetting("momentum"),
                    dampening: ParseFloatSetting("dampening"),
                    nesterov: ParseBoolSetting("nesterov"),
                    weightDecay: ParseFloatSetting("weight_decay")),
                AdamAlgorithm => new Adam(
                    parameters,
                    LearningRate,
                    beta1: ParseFloatSetting("beta1"),
                    beta2: ParseFloatSetting("beta2"),
                    epsilon: ParseFloatSetting("eps"),
                    weightDecay: ParseFloatSetting("weight_decay"),
                    amsgrad: ParseBoolSetting("amsgrad")),
                AdamWAlgorithm => new AdamW(
                    parameters,
                    LearningRate,
                    beta1: ParseFloatSetting("beta1"),
                    beta2: ParseFloatSetting("beta2"),
                    epsilon: ParseFloatSetting("eps"),
                    weightDecay: ParseFloatSetting("weight_decay"),
                    amsgrad: ParseBoolSetting("amsgrad")),
                RMSpropAlgorithm => new RMSprop(
                    parameters,
                    LearningRate,
                    alpha: ParseFloatSetting("alpha"),
                    epsilon: ParseFloatSetting("eps"),
                    weightDecay: ParseFloatSetting("weight_decay"),
                    momentum: ParseFloatSetting("momentum"),
                    centered: ParseBoolSetting("centered")),
                AdagradAlgorithm => new Adagrad(
                    parameters,
                    LearningRate,
                    lrDecay: ParseFloatSetting("lr_decay"),
                    weightDecay: ParseFloatSetting("weight_decay"),
                    initialAccumulatorValue: ParseFloatSetting("initial_accumulator_value"),
                    epsilon: ParseFloatSetting("eps")),
                AdadeltaAlgorithm => new Adadelta(
                    parameters,
                    LearningRate,
                    rho: ParseFloatSetting("rho"),
                    epsilon: ParseFloatSetting("eps"),
                    weightDecay: ParseFloatSetting("weight_decay")),
                AdamaxAlgorithm => new Adamax(
                    parameters,
                    LearningRate,
                    beta1: ParseFloatSetting("beta1"),
                    beta2: ParseFloatSetting("beta2"),
                    epsilon: ParseFloatSetting("eps"),
                    weightDecay: ParseFloatSetting("weight_decay")),
                NAdamAlgorithm => new NAdam(
                    parameters,
                    LearningRate,
                    beta1: ParseFloatSetting("beta1"),
                    beta2: ParseFloatSetting("beta2"),
                    epsilon: ParseFloatSetting("eps"),
                    weightDecay: ParseFloatSetting("weight_decay"),
                    momentumDecay: ParseFloatSetting("momentum_decay")),
                RAdamAlgorithm => new RAdam(
                    parameters,
                    LearningRate,
                    beta1: ParseFloatSetting("beta1"),
                    beta2: ParseFloatSetting("beta2"),
                    epsilon: ParseFloatSetting("eps"),
                    weightDecay: ParseFloatSetting("weight_decay")),
                _ => throw new InvalidDataException($"Unknown optimizer algorithm '{Algorithm}'; expected sgd, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam or radam."),
            };
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The {Algorithm} optimizer state has an invalid hyperparameter: {e.Message}", e);
        }
    }

    /// <summary>
    /// Whether <paramref name="buffer"/> of one of the library's algorithms holds sums of squares or of magnitudes, never
    /// negative (a custom optimizer's buffers are its own business).
    /// </summary>
    internal static bool IsNonNegativeBuffer(string algorithm, string buffer)
        => IsKnown(algorithm) && buffer is "exp_avg_sq" or "max_exp_avg_sq" or "square_avg" or "acc_delta" or "sum" or "exp_inf";

    /// <summary>
    /// Throws unless an algorithm of the library has every setting <see cref="CreateOptimizer"/> needs, well-formed and in
    /// range: a checkpoint's optimizer is refused when it is read, not steps later.
    /// </summary>
    /// <exception cref="InvalidDataException">A setting is missing, malformed or out of range (the message names it).</exception>
    internal void CheckSettings()
    {
        if (IsKnown(Algorithm))
        {
            _ = CreateOptimizer(new ParameterSet([new ParameterTensor("p", 0, [1], fanIn: 1)]));
        }
    }

    private static bool IsKnown(string algorithm) => algorithm is SgdAlgorithm or AdamAlgorithm or AdamWAlgorithm or RMSpropAlgorithm or AdagradAlgorithm
        or AdadeltaAlgorithm or AdamaxAlgorithm or NAdamAlgorithm or RAdamAlgorithm;

    /// <summary>The index of <paramref name="tensor"/> in <paramref name="parameters"/>' tensors.</summary>
    /// <exception cref="ArgumentException">The tensor is not one of them.</exception>
    internal static int IndexOf(ParameterSet parameters, ParameterTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        for (int i = 0; i < parameters.Tensors.Count; i++)
        {
            if (ReferenceEquals(parameters.Tensors[i], tensor))
            {
                return i;
            }
        }

        throw new ArgumentException($"The tensor '{tensor.Name}' is not one of the optimizer's parameters.", nameof(tensor));
    }

    /// <summary><paramref name="steps"/> copied for a snapshot, or null when every tensor has taken <paramref name="stepCount"/>.</summary>
    internal static long[]? TensorStepsOrNull(long[] steps, long stepCount)
        => Array.TrueForAll(steps, s => s == stepCount) ? null : (long[])steps.Clone();

    /// <summary>
    /// Checks that <see cref="TensorSteps"/>, if any, holds one count per tensor of the importing optimizer, and each of
    /// <see cref="TensorScalars"/> one value per tensor.
    /// </summary>
    /// <exception cref="ArgumentException">The state holds counts or scalars for another number of tensors.</exception>
    internal void CheckTensorSteps(int tensors, string displayName)
    {
        if (TensorSteps is not null && TensorSteps.Count != tensors)
        {
            throw new ArgumentException($"The {displayName} state counts the steps of {TensorSteps.Count} tensors; this optimizer's parameters have {tensors}.", "state");
        }

        foreach (KeyValuePair<string, float[]> scalar in _tensorScalars)
        {
            if (scalar.Value.Length != tensors)
            {
                throw new ArgumentException($"The {displayName} state's '{scalar.Key}' holds {scalar.Value.Length} values; expected one per tensor, {tensors}.", "state");
            }
        }
    }

    /// <summary>Copies <see cref="TensorSteps"/> (checked by <see cref="CheckTensorSteps"/>) into <paramref name="steps"/>, or <paramref name="whenAbsent"/> for every tensor when the state has none.</summary>
    internal void RestoreTensorSteps(long[] steps, long whenAbsent)
    {
        for (int i = 0; i < steps.Length; i++)
        {
            steps[i] = TensorSteps is null ? whenAbsent : TensorSteps[i];
        }
    }

    /// <summary>Formats a float setting the way <see cref="Settings"/> holds it (shortest round-trip, invariant).</summary>
    internal static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Formats a flag setting the way <see cref="Settings"/> holds it.</summary>
    internal static string Format(bool value) => value ? "true" : "false";

    /// <summary>Parses a float setting; null if it is not a number.</summary>
    internal static float? TryParseFloat(string? text)
        => text is not null && float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) ? value : null;

    /// <summary>Parses a flag setting; null if it is neither <c>true</c> nor <c>false</c>.</summary>
    internal static bool? TryParseBool(string? text) => text switch
    {
        "true" => true,
        "false" => false,
        _ => null,
    };

    /// <summary>
    /// Checks what every optimizer's import checks: the algorithm, the settings (equal in value,
    /// no missing or extra one), the buffers (exactly the expected names, each <paramref name="count"/> long) and the
    /// per-tensor scalars (none but <paramref name="allowedTensorScalars"/>, which may be absent).
    /// </summary>
    /// <exception cref="ArgumentException">A mismatch; the message says which.</exception>
    internal void Validate(
        string algorithm,
        string displayName,
        ReadOnlySpan<KeyValuePair<string, string>> expectedSettings,
        ReadOnlySpan<string> expectedBuffers,
        int count,
        ReadOnlySpan<string> allowedTensorScalars = default)
    {
        if (!string.Equals(Algorithm, algorithm, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The state is of a '{Algorithm}' optimizer; this optimizer is {displayName} ('{algorithm}').", "state");
        }

        foreach (KeyValuePair<string, string> expected in expectedSettings)
        {
            string? actual = Setting(expected.Key);
            if (actual is null)
            {
                throw new ArgumentException($"The {displayName} state has no '{expected.Key}' setting.", "state");
            }

            bool equal = expected.Value is "true" or "false"
                ? TryParseBool(actual) is bool flag && Format(flag) == expected.Value
                : TryParseFloat(actual) is float number && TryParseFloat(expected.Value) is float mine && number.Equals(mine);
            if (!equal)
            {
                throw new ArgumentException(
                    $"The {displayName} state was saved with {expected.Key} = {actual}; this optimizer has {expected.Key} = {expected.Value}. Create the optimizer with the saved hyperparameters (OptimizerState.CreateOptimizer does).",
                    "state");
            }
        }

        foreach (KeyValuePair<string, string> setting in _settings)
        {
            if (!Contains(expectedSettings, setting.Key))
            {
                throw new ArgumentException($"The {displayName} state has an unknown setting '{setting.Key}'.", "state");
            }
        }

        foreach (string name in expectedBuffers)
        {
            float[]? buffer = Buffer(name);
            if (buffer is null)
            {
                throw new ArgumentException($"The {displayName} state has no '{name}' buffer.", "state");
            }

            if (buffer.Length != count)
            {
                throw new ArgumentException($"The {displayName} state's '{name}' buffer holds {buffer.Length} values; this optimizer's parameters hold {count}.", "state");
            }
        }

        foreach (KeyValuePair<string, float[]> buffer in _buffers)
        {
            if (expectedBuffers.IndexOf(buffer.Key) < 0)
            {
                string expected = expectedBuffers.Length == 0 ? "none" : string.Join(", ", expectedBuffers.ToArray());
                throw new ArgumentException($"The {displayName} state has an unexpected buffer '{buffer.Key}' (expected: {expected}).", "state");
            }
        }

        foreach (KeyValuePair<string, float[]> scalar in _tensorScalars)
        {
            if (allowedTensorScalars.IndexOf(scalar.Key) < 0)
            {
                string expected = allowedTensorScalars.Length == 0 ? "none" : string.Join(", ", allowedTensorScalars.ToArray());
                throw new ArgumentException($"The {displayName} state has an unexpected per-tensor scalar '{scalar.Key}' (expected: {expected}).", "state");
            }
        }
    }

    private float ParseFloatSetting(string name)
    {
        string text = Setting(name) ?? throw new InvalidDataException($"The {Algorithm} optimizer state has no '{name}' setting.");
        return TryParseFloat(text) is float value && float.IsFinite(value)
            ? value
            : throw new InvalidDataException($"The {Algorithm} optimizer state's '{name}' setting is '{text}', not a finite number.");
    }

    private bool ParseBoolSetting(string name)
    {
        string text = Setting(name) ?? throw new InvalidDataException($"The {Algorithm} optimizer state has no '{name}' setting.");
        return TryParseBool(text) ?? throw new InvalidDataException($"The {Algorithm} optimizer state's '{name}' setting is '{text}'; expected true or false.");
    }

    private static float[]? Find(KeyValuePair<string, float[]>[] pairs, string name)
    {
        foreach (KeyValuePair<string, float[]> pair in pairs)
        {
            if (string.Equals(pair.Key, name, StringComparison.Ordinal))
            {
                return pair.Value;
            }
        }

        return null;
    }

    private static bool Contains(ReadOnlySpan<KeyValuePair<string, string>> pairs, string key)
    {
        foreach (KeyValuePair<string, string> pair in pairs)
        {
            if (string.Equals(pair.Key, key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static KeyValuePair<string, T>[] Distinct<T>(IEnumerable<KeyValuePair<string, T>> pairs, string paramName, Func<T, string?> check)
    {
        var list = new List<KeyValuePair<string, T>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, T> pair in pairs)
        {
            if (string.IsNullOrEmpty(pair.Key))
            {
                throw new ArgumentException("A name is null or empty.", paramName);
            }

            if (!seen.Add(pair.Key))
            {
                throw new ArgumentException($"'{pair.Key}' appears twice.", paramName);
            }

            if (check(pair.Value) is string problem)
            {
                throw new ArgumentException($"'{pair.Key}' {problem}.", paramName);
            }

            list.Add(pair);
        }

        return list.ToArray();
    }
}
