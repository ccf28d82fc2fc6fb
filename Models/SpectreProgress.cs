using System;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using StaticGrad.Training;

namespace StaticGrad.Models;

/// <summary>
/// The train app's progress bar on an interactive console (Spectre.Console): one bar over all the epochs still to train,
/// with the epoch, the running loss, the learning rate, the percentage, the elapsed time and the estimated time left.
/// Redraws its text at most ten times a second.
/// </summary>
public sealed class SpectreProgress : IProgressReporter
{
    private static readonly long RedrawInterval = Stopwatch.Frequency / 10;
    private ProgressTask? _task;
    private int _firstEpoch;
    private long _lastDraw;
    private int _epoch;
    private int _epochs;

    /// <summary>Shows the bar on a running Spectre progress display; until then the reporter draws nothing.</summary>
    /// <param name="context">The display's context (inside <c>AnsiConsole.Progress().Start</c>).</param>
    /// <param name="firstEpoch">The first epoch to train (after a resume, the one after the checkpoint's).</param>
    /// <param name="epochs">The epoch training ends with.</param>
    /// <param name="stepsPerEpoch">Steps in one epoch.</param>
    public void Attach(ProgressContext context, int firstEpoch, int epochs, int stepsPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(context);
        _firstEpoch = firstEpoch;
        _task = context.AddTask("training", maxValue: Math.Max(1, (double)(epochs - firstEpoch + 1) * stepsPerEpoch));
    }

    /// <summary>Builds the display: description, bar, percentage, elapsed and remaining time.</summary>
    /// <param name="console">The console to draw on.</param>
    /// <returns>The display, to <c>Start</c>.</returns>
    public static Progress CreateDisplay(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        return console.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn());
    }

    /// <inheritdoc/>
    public void EpochStarted(int epoch, int epochs, int steps) => (_epoch, _epochs) = (epoch, epochs);

    /// <inheritdoc/>
    public void StepCompleted(in TrainingStep step)
    {
        long now = Stopwatch.GetTimestamp();
        if (_task is null || (step.Step < step.StepsPerEpoch && now - _lastDraw < RedrawInterval))
        {
            return;
        }

        _lastDraw = now;
        _task.Value = ((double)(step.Epoch - _firstEpoch) * step.StepsPerEpoch) + step.Step;
        _task.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {_epoch}/{_epochs}  loss {step.MeanLoss:F4}  lr {step.LearningRate:G3}");
    }

    /// <inheritdoc/>
    public void EpochCompleted(EpochMetrics metrics)
    {
    }
}
