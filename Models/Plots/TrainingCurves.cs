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
    /// <exception cref="ArgumentException"><paramref name="epochs"/> is empty.</exception>
    public static void Save(IReadOnlyList<EpochMetrics> epochs, string validationName, IReadOnlyList<double>? testAccuracy, string path)
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

        Plot loss = multiplot.GetPlot(0);
        Line(loss, x, [.. epochs.Select(e => e.TrainingLoss)], "training");
        Line(loss, x, [.. epochs.Select(e => e.ValidationLoss)], validationName);
        Style(loss, "Loss", "cross-entropy", Alignment.UpperRight);

        Plot accuracy = multiplot.GetPlot(1);
        Line(accuracy, x, [.. epochs.Select(e => e.ValidationAccuracy * 100)], validationName);
        if (testAccuracy is not null)
        {
            Line(accuracy, x, [.. testAccuracy.Select(a => a * 100)], "test");
        }

        Style(accuracy, "Accuracy", "accuracy (%)", Alignment.LowerRight);
        multiplot.SavePng(path, Width, Height);
    }

    private static void Line(Plot plot, double[] x, double[] y, string label)
    {
        if (y.All(double.IsNaN))
        {
            return;
        }

        var scatter = plot.Add.Scatter(x, y);
        scatter.LegendText = label;
        scatter.LineWidth = 2;
        scatter.MarkerSize = 5;
    }

    private static void Style(Plot plot, string title, string yLabel, Alignment legend)
    {
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(legend);
    }
}
