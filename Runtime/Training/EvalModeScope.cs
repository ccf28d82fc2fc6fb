using System;

namespace StaticGrad.Training;

/// <summary>
/// Puts a model with modes (<see cref="IModalModel"/>) in eval mode until disposed, then back in the mode it was in, as a
/// Keras <c>evaluate</c> or <c>predict</c> runs with <c>training=False</c> whatever the model was doing: dropout off,
/// batch norm on its running statistics, which the evaluated data must not move. A model without modes is left alone.
/// </summary>
internal readonly struct EvalModeScope : IDisposable
{
    private readonly IModalModel? _switched;
    private readonly ModelMode _previous;

    /// <summary>Switches <paramref name="model"/> to <see cref="ModelMode.Evaluation"/> if it has modes and is in another one.</summary>
    public EvalModeScope(IInferenceModel model)
    {
        if (model is IModalModel modal && modal.Mode != ModelMode.Evaluation)
        {
            _previous = modal.Mode;
            modal.Mode = ModelMode.Evaluation;
            _switched = modal;
        }
    }

    /// <summary>Puts the mode found back.</summary>
    public void Dispose()
    {
        if (_switched is not null)
        {
            _switched.Mode = _previous;
        }
    }
}
