using System;
using System.Diagnostics;
using System.IO;
using StaticGrad.Training;

namespace StaticGrad.Models;

/// <summary>
/// The train app's <see cref="IProgressReporter"/>: a one-line progress bar redrawn in place while an epoch runs (only when
/// <c>bar</c> is on), then one table row per epoch: training loss, test accuracy, samples/s and elapsed time.
/// </summary>
public sealed class ConsoleProgress : IProgressReporter
{
    private const int Width = 30;
    private static readonly long RedrawInterval = Stopwatch.Frequency / 10;
    private readonly TextWriter _output;
    private readonly bool _bar;
    private long _lastDraw;
    private bool _drawn;
    private int _epoch;
    private int _epochs;

    /// <summary>Creates the reporter.</summary>
    /// <param name="output">Receives the rows.</param>
    /// <param name="bar">Whether to draw the bar (false for redirected output and <c>--quiet</c>).</param>
    public ConsoleProgress(TextWriter output, bool bar)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _bar = bar;
    }

    /// <summary>The table's header row.</summary>
    public const string Header = "epoch  train loss  test acc   samples/s   elapsed";

    /// <inheritdoc/>
    public void EpochStarted(int epoch, int epochs, int steps) => (_epoch, _epochs) = (epoch, epochs);

    /// <inheritdoc/>
    public void StepCompleted(in TrainingStep step)
    {
        long now = Stopwatch.GetTimestamp();
        if (!_bar || (step.Step < step.StepsPerEpoch && now - _lastDraw < RedrawInterval))
        {
            return;
        }

        _lastDraw = now;
        int filled = (int)((long)Width * step.Step / step.StepsPerEpoch);
        _output.Write($"\repoch {_epoch}/{_epochs} [{new string('#', filled)}{new string('.', Width - filled)}] {step.Step}/{step.StepsPerEpoch} loss {step.MeanLoss:F4}");
        _drawn = true;
    }

    /// <inheritdoc/>
    public void EpochCompleted(EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (_drawn)
        {
            _output.Write("\r" + new string(' ', Width + 60) + "\r");
            _drawn = false;
        }

        _output.WriteLine($"{metrics.Epoch,5}  {metrics.TrainingLoss,10:F4}  {metrics.ValidationAccuracy * 100,7:F2}%  {metrics.SamplesPerSecond,10:N0}  {metrics.Elapsed.TotalSeconds,7:F2}s");
    }
}
