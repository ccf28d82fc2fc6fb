using System;
using System.Collections.Generic;
using System.Linq;
using ScottPlot;
using StaticGrad.Training;

namespace StaticGrad.Models.Plots;

/// <summary>Draws a run's loss and accuracy per epoch side by side (<c>train --plot</c>).</summary>
public static class TrainingCurves
{
    /// <summary>The image's width in pixels.</summary>
    public const int Width = 800;

    /// <summary>The image's height in pixels.</summary>
    public const int Height = 500;

    /// <summary>Writes the curves of <paramref name="epochs"/> to a PNG file.</summary>
    /// <param name="epochs">One entry per epoch, at least one.</param>
    /// <param name="validationName">What the trainer's validation set is ("validation" or "test"), for the legend.</param>
    /// <param name="testAccuracy">The test set's accuracy per epoch when it is not the validation set; null otherwise.</param>
    /// <param name="path">The PNG file.</param>
    /// <param name="keptEpoch">The epoch whose weights the run kept when it is not the last (early stopping's best), marked in both panels; null otherwise.</param>
    /// <exception cref="ArgumentException"><paramref name="epochs"/> is empty.</exception>
    public static void Save(IReadOnlyList<EpochMetrics> epochs, string validationName, IReadOnlyList<double>? testAccuracy, string path, int? keptEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (epochs.Count == 0)
        {
            throw new ArgumentException("Expected at least one epoch to plot.", nameof(epochs));
        }

        double[] x = [.. epochs.Select(e => (double)e.Epoch)];
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();

        // One colour per series in both panels.
        Color training = Colors.C0, validation = Colors.C1, test = Colors.C2;
        Plot loss = multiplot.GetPlot(0);
        bool anyLoss = Line(loss, x, [.. epochs.Select(e => e.TrainingLoss)], "training", training);
        anyLoss |= Line(loss, x, [.. epochs.Select(e => e.ValidationLoss)], validationName, validationName == "test" ? test : validation);
        Style(loss, "Loss", "cross-entropy", x, anyLoss, keptEpoch);

        Plot accuracy = multiplot.GetPlot(1);
        bool anyAccuracy = Line(accuracy, x, [.. epochs.Select(e => e.ValidationAccuracy * 100)], validationName, validationName == "test" ? test : validation);
        if (testAccuracy is not null)
        {
            anyAccuracy |= Line(accuracy, x, [.. testAccuracy.Select(a => a * 100)], "test", test);
        }

        Style(accuracy, "Accuracy", "accuracy (%)", x, anyAccuracy, keptEpoch);
        multiplot.SavePng(path, Width, Height);
    }

    /// <summary>Adds a series, its infinite values left out as NaN gaps; returns false (adding nothing) when no value is finite.</summary>
    private static bool Line(Plot plot, double[] x, double[] y, string label, Color color)
    {
        double[] finite = [.. y.Select(v => double.IsFinite(v) ? v : double.NaN)];
        if (finite.All(double.IsNaN))
        {
            return false;
        }

        var scatter = plot.Add.Scatter(x, finite);
        scatter.LegendText = label;
        scatter.Color = color;
        scatter.LineWidth = 2;
        scatter.MarkerSize = 5;
        return true;
    }

    private static void Style(Plot plot, string title, string yLabel, double[] x, bool anySeries, int? keptEpoch)
    {
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (keptEpoch is int kept)
        {
            var line = plot.Add.VerticalLine(kept);
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.Gray;
            line.LegendText = $"weights kept (epoch {kept})";
        }

        if (!anySeries)
        {
            // A diverged run: say so instead of an empty frame with arbitrary axes.
            plot.Add.Annotation("no finite values: the run diverged");
            plot.Axes.SetLimitsY(0, 1);
        }

        // Half an epoch of margin: whole epochs only on the axis, and the first and last markers inside the frame.
        plot.Axes.SetLimitsX(x[0] - 0.5, x[^1] + 0.5);
        if (anySeries || keptEpoch is not null)
        {
            plot.ShowLegend(Edge.Bottom);
        }
    }
}
