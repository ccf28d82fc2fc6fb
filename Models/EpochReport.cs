using System;
using System.Collections.Generic;
using System.Globalization;
using StaticGrad.Data;
using StaticGrad.Training;

namespace StaticGrad.Models;

/// <summary>
/// The train app's per-epoch table, one row per epoch as it ends: training loss, the validation split's loss and accuracy
/// (with <c>--val-split</c>), test accuracy, samples/s, elapsed time and learning rate. Keeps the test accuracies for the plot.
/// </summary>
public sealed class EpochReport : ITrainingCallback
{
    private readonly InMemoryDataset? _test;
    private readonly Action<string> _writeLine;
    private readonly List<double> _testAccuracy = [];

    /// <summary>Creates the report.</summary>
    /// <param name="test">The test set when the trainer validates on a split of the training set; null when its validation set is the test set.</param>
    /// <param name="writeLine">Writes one line.</param>
    public EpochReport(InMemoryDataset? test, Action<string> writeLine)
    {
        ArgumentNullException.ThrowIfNull(writeLine);
        _test = test;
        _writeLine = writeLine;
    }

    /// <summary>The header row.</summary>
    public string Header => _test is null
        ? "epoch  train loss  test acc   samples/s   elapsed          lr"
        : "epoch  train loss  val loss   val acc  test acc   samples/s   elapsed          lr";

    /// <summary>The test accuracy of every epoch reported, when the test set is not the trainer's validation set.</summary>
    public IReadOnlyList<double>? TestAccuracy => _test is null ? null : _testAccuracy;

    /// <inheritdoc/>
    public void OnStep(Trainer trainer, in TrainingStep step)
    {
    }

    /// <summary>Writes the row of an epoch whose validation set is the test set (<c>ValidationAccuracy</c> is the test accuracy).</summary>
    /// <param name="metrics">The epoch's metrics.</param>
    /// <exception cref="InvalidOperationException">The report was created with a separate test set.</exception>
    public void Write(EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (_test is not null)
        {
            throw new InvalidOperationException("This report evaluates a separate test set; its rows come from OnEpochEnd.");
        }

        _writeLine(string.Create(CultureInfo.InvariantCulture, $"{metrics.Epoch,5}  {Loss(metrics.TrainingLoss, 10)}  {metrics.ValidationAccuracy * 100,7:F2}%  {Tail(metrics)}"));
    }

    /// <inheritdoc/>
    public void OnEpochEnd(Trainer trainer, EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(metrics);
        if (_test is null)
        {
            Write(metrics);
            return;
        }

        Write(metrics, trainer.Evaluate(_test).Accuracy);
    }

    /// <summary>Writes the row of an epoch validated on a split of the training set, with the test accuracy measured apart.</summary>
    /// <param name="metrics">The epoch's metrics (validation loss and accuracy of the split).</param>
    /// <param name="testAccuracy">The test set's accuracy after the epoch.</param>
    /// <exception cref="InvalidOperationException">The report was created without a separate test set.</exception>
    public void Write(EpochMetrics metrics, double testAccuracy)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (_test is null)
        {
            throw new InvalidOperationException("This report's validation set is the test set; use Write(metrics).");
        }

        _testAccuracy.Add(testAccuracy);
        _writeLine(string.Create(CultureInfo.InvariantCulture, $"{metrics.Epoch,5}  {Loss(metrics.TrainingLoss, 10)}  {Loss(metrics.ValidationLoss, 8)}  {metrics.ValidationAccuracy * 100,7:F2}%  {testAccuracy * 100,7:F2}%  {Tail(metrics)}"));
    }

    /// <summary>
    /// A loss right-aligned in its column: four decimals, or, for a loss too large for them (a diverging run), as many
    /// significant digits in scientific notation as fit, so the columns stay aligned.
    /// </summary>
    internal static string Loss(double value, int width)
    {
        string text = value.ToString("F4", CultureInfo.InvariantCulture);
        for (int digits = 4; text.Length > width && digits >= 0; digits--)
        {
            text = value.ToString("0." + new string('#', digits) + "E+0", CultureInfo.InvariantCulture);
        }

        return text.PadLeft(width);
    }

    private static string Tail(EpochMetrics metrics) =>
        string.Create(CultureInfo.InvariantCulture, $"{metrics.SamplesPerSecond,10:N0}  {metrics.Elapsed.TotalSeconds,7:F2}s  {Rate(metrics.LearningRate),10}");

    /// <summary>A learning rate as Python prints one (0.001, 0.0001, 1e-05, 1e+30): four significant digits, a lowercase exponent.</summary>
    private static string Rate(double learningRate)
        => learningRate.ToString("G4", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
}
