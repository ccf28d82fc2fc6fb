using System.Collections.Generic;
using StaticGrad.Models;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>The train app's epoch table keeps its columns aligned, also for the losses of a diverging run.</summary>
public sealed class EpochReportTests
{
    [Theory]
    [InlineData(0.12345, 10, "    0.1235")]
    [InlineData(3400.23421, 10, " 3400.2342")]
    [InlineData(16477133655.5861, 10, "1.6477E+10")]
    [InlineData(16477133655.5861, 8, "1.65E+10")]
    [InlineData(double.NaN, 8, "     NaN")]
    [InlineData(-2.5e300, 10, " -2.5E+300")]
    public void Loss_FitsItsColumn(double value, int width, string expected)
    {
        string text = EpochReport.Loss(value, width);

        Assert.Equal(expected, text);
    }

    [Fact]
    public void ADivergingRunsRow_HasTheHeadersColumns()
    {
        var lines = new List<string>();
        var report = new EpochReport(null, lines.Add);
        var metrics = new EpochMetrics(1, 16477133655.5861, double.NaN, 0.095, 1000f, 79_340, System.TimeSpan.FromSeconds(0.1));

        report.Write(metrics);

        Assert.Equal("    1  1.6477E+10     9.50%      79,340     0.10s        1000", lines[0]);
        Assert.Equal(report.Header.Length, lines[0].Length);
    }

    /// <summary>The rate column printed 0.001 beside 1E-05: now as Python prints a float, 1e-05 and 1e+30.</summary>
    [Theory]
    [InlineData(1e-3f, "0.001")]
    [InlineData(1e-4f, "0.0001")]
    [InlineData(1e-5f, "1e-05")]
    [InlineData(1e30f, "1e+30")]
    public void TheLearningRate_IsPrintedAsPythonPrintsIt(float rate, string expected)
    {
        var lines = new List<string>();
        var report = new EpochReport(null, lines.Add);
        report.Write(new EpochMetrics(1, 0.5, double.NaN, 0.9, rate, 1000, System.TimeSpan.FromSeconds(0.1)));
        Assert.EndsWith(" " + expected, lines[0], System.StringComparison.Ordinal);
    }
}
