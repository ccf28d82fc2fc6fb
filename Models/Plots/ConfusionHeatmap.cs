using System;
using System.Globalization;
using ScottPlot;

namespace StaticGrad.Models.Plots;

/// <summary>Draws a confusion matrix as a heat map with the count in every cell (<c>eval --plot</c>).</summary>
public static class ConfusionHeatmap
{
    /// <summary>Writes <paramref name="matrix"/> to a PNG file: true digit down the side, predicted digit along the bottom, each cell's count, colors on a log scale of the counts.</summary>
    /// <param name="matrix">The confusion matrix.</param>
    /// <param name="title">The plot's title.</param>
    /// <param name="path">The PNG file.</param>
    public static void Save(ConfusionMatrix matrix, string title, string path)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentException.ThrowIfNullOrEmpty(path);
        int classes = matrix.Classes;
        double[,] counts = new double[classes, classes];
        long largest = 1;
        for (int t = 0; t < classes; t++)
        {
            for (int p = 0; p < classes; p++)
            {
                // Colors on a log scale: on a linear one a cell of 23 beside a diagonal of 800 looks like one of 0.
                counts[t, p] = Math.Log10(1 + matrix[t, p]);
                largest = Math.Max(largest, matrix[t, p]);
            }
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(counts);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = "samples (log scale)";
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (long count = 0; count <= largest; count = count == 0 ? 1 : count * 10)
        {
            ticks.AddMajor(Math.Log10(1 + count), count.ToString(CultureInfo.InvariantCulture));
        }

        bar.Axis.TickGenerator = ticks;
        for (int t = 0; t < classes; t++)
        {
            for (int p = 0; p < classes; p++)
            {
                var text = plot.Add.Text(matrix[t, p].ToString(CultureInfo.InvariantCulture), p, classes - 1 - t);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = 11;
                text.LabelFontColor = counts[t, p] > Math.Log10(1 + largest) / 2 ? Colors.Black : Colors.White;
            }
        }

        double[] positions = new double[classes];
        string[] predicted = new string[classes];
        string[] actual = new string[classes];
        for (int c = 0; c < classes; c++)
        {
            positions[c] = c;
            predicted[c] = c.ToString(CultureInfo.InvariantCulture);
            actual[c] = (classes - 1 - c).ToString(CultureInfo.InvariantCulture);
        }

        plot.Axes.Bottom.SetTicks(positions, predicted);
        plot.Axes.Left.SetTicks(positions, actual);
        plot.Title(title);
        plot.XLabel("predicted digit");
        plot.YLabel("true digit");
        plot.Axes.Left.MinimumSize = 50; // room for the label beside the tick labels, which it touched
        // The cells fill the frame: no margin around the matrix (square cells would leave most of an 800x500 image empty).
        plot.Axes.SetLimits(-0.5, classes - 0.5, -0.5, classes - 0.5);
        plot.SavePng(path, TrainingCurves.Width, TrainingCurves.Height);
    }
}
