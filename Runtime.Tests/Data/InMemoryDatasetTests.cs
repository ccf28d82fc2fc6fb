using System;
using System.IO;
using System.Linq;
using StaticGrad.Data;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary><see cref="InMemoryDataset"/>, <see cref="CsvDataset"/> and <see cref="DatasetSplit"/>.</summary>
public sealed class InMemoryDatasetTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("staticgrad-csv-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void FromLabels_CopiesAndDescribesTheSamples()
    {
        float[] features = [1, 2, 3, 4, 5, 6];
        var dataset = InMemoryDataset.FromLabels(features, 2, [0, 4, 1]);
        features[0] = 99;
        Assert.Equal(3, dataset.Count);
        Assert.Equal(2, dataset.Features);
        Assert.True(dataset.HasLabels);
        Assert.Equal(5, dataset.Classes);
        Assert.Equal([1f, 2f], dataset.FeaturesOf(0).ToArray());
        Assert.Equal([5f, 6f], dataset.Subset([2]).FeatureValues.ToArray());
    }

    [Fact]
    public void Factories_RejectBadShapesAndNonFiniteValues_NamingTheSample()
    {
        var error = Assert.Throws<ArgumentException>(() => InMemoryDataset.FromLabels([1, float.NaN, 3, 4], 2, [0, 1]));
        Assert.Contains("sample 0, column 1", error.Message, StringComparison.Ordinal);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => InMemoryDataset.FromLabels([1, 2, 3], 2, [0, 1])).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentOutOfRangeException>(() => InMemoryDataset.FromLabels([1, 2], 1, [0, -1])).ParamName);
        error = Assert.Throws<ArgumentException>(() => InMemoryDataset.FromTargets([1, 2], 1, [0.5f, float.PositiveInfinity], 1));
        Assert.Equal("targets", error.ParamName);
    }

    [Fact]
    public void Csv_LoadsLabelsAndFeaturesInFileOrder_InvariantCulture()
    {
        string path = Write("a, label ,b\n1.5,2,-2e-3\n\n0,0,7\n");
        InMemoryDataset dataset = CsvDataset.Load(path, "label");
        Assert.Equal(2, dataset.Count);
        Assert.Equal([1.5f, -2e-3f, 0f, 7f], dataset.FeatureValues.ToArray());
        Assert.Equal([2, 0], dataset.Labels.ToArray());
    }

    [Fact]
    public void Csv_LoadsTargetsInTheRequestedOrder()
    {
        string path = Write("t1,x,t0\n0.25,1,0.75\n0.5,2,0.5\n");
        InMemoryDataset dataset = CsvDataset.LoadTargets(path, ["t0", "t1"]);
        Assert.False(dataset.HasLabels);
        Assert.Equal([1f, 2f], dataset.FeatureValues.ToArray());
        Assert.Equal([0.75f, 0.25f, 0.5f, 0.5f], dataset.TargetValues.ToArray());
    }

    [Theory]
    [InlineData("a,label\n1,0\n2,1,3\n", ":3:3:", "3 fields")]
    [InlineData("a,label\n1,0\n2\n", ":3:2:", "1 fields")]
    [InlineData("a,label\n1,0\n2,1.5\n", ":3:2:", "not an integer")]
    [InlineData("a,label\n1,-1\n", ":2:2:", "not an integer >= 0")]
    [InlineData("a,label\n1,0\n2,1000000000\n", ":3:2:", "label 1000000000 in column 'label' is not a class index below 16777216; for numeric targets, use LoadTargets")]
    [InlineData("a,b,label\n1,NaN,0\n", ":2:2:", "column 'b' is not a finite number")]
    [InlineData("a,b,label\n1,1e39,0\n", ":2:2:", "'1e39' in column 'b' is outside the float32 range (magnitude at most 3.4028235E+38)")]
    [InlineData("a,b,label\n1,-3.5e38,0\n", ":2:2:", "'-3.5e38' in column 'b' is outside the float32 range")]
    [InlineData("a,label\n1;5,0\n", ":2:1:", "'1;5'")]
    [InlineData("a,b,label\n1,2\0,0\n", ":2:2:", "the field in column 'b' holds a NUL character (U+0000); expected a number")]
    [InlineData("a,label\n1,0\n1,1\0\0\n", ":3:2:", "the field in column 'label' holds a NUL character (U+0000)")]
    [InlineData("a,label\n", ":2:1:", "no data rows")]
    [InlineData("a,label,label\n1,0,1\n", ":1:3:", "column 'label' is repeated in the header (columns 2 and 3)")]
    [InlineData("a,label, a\n1,0,1\n", ":1:3:", "column 'a' is repeated in the header (columns 1 and 3)")]
    [InlineData(",a,label\n0,1.5,0\n1,2.5,1\n", ":1:1:", "column 1 of the header has no name; expected every column named (pandas' to_csv writes the DataFrame's index as an unnamed first column unless index=False)")]
    [InlineData("a, ,label\n1,2,0\n", ":1:2:", "column 2 of the header has no name")]
    public void Csv_BadInput_NamesFileLineAndColumn(string text, string location, string message)
    {
        string path = Write(text);
        var error = Assert.Throws<InvalidDataException>(() => CsvDataset.Load(path, "label"));
        Assert.StartsWith(path + location, error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromLabels_RefusesALabelTooLargeForAClass_WhereClassesWouldOverflow()
    {
        // int.MaxValue + 1 classes would wrap to a negative count; 2^24 and above is refused with the way out.
        foreach (int label in new[] { int.MaxValue, InMemoryDataset.MaxClasses })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => InMemoryDataset.FromLabels([1f, 2f], 1, [0, label]));
            Assert.Equal("labels", error.ParamName);
            Assert.Contains($"labels[1] is {label}", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(InMemoryDataset.MaxClasses, InMemoryDataset.FromLabels([1f], 1, [InMemoryDataset.MaxClasses - 1]).Classes);
    }

    [Fact]
    public void Csv_RepeatedTargetColumnName_IsRefusedByLoadTargets()
    {
        string path = Write("a,t0,t0\n1,0.5,0.5\n");
        var error = Assert.Throws<InvalidDataException>(() => CsvDataset.LoadTargets(path, ["t0"]));
        Assert.StartsWith(path + ":1:3:", error.Message, StringComparison.Ordinal);
        Assert.Contains("'t0'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_MissingColumn_IsAnArgumentError()
    {
        string path = Write("a,b\n1,2\n");
        Assert.Equal("labelColumn", Assert.Throws<ArgumentException>(() => CsvDataset.Load(path, "label")).ParamName);
    }

    [Fact]
    public void Split_IsSeededDisjointAndCoversEverySample()
    {
        InMemoryDataset dataset = Numbered(50, classes: 5);
        var (train, validation) = DatasetSplit.TrainValidation(dataset, 0.2, seed: 3);
        Assert.Equal(40, train.Count);
        Assert.Equal(10, validation.Count);
        float[] ids = [.. train.FeatureValues.ToArray(), .. validation.FeatureValues.ToArray()];
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (float)i), ids.Order());
        var again = DatasetSplit.TrainValidation(dataset, 0.2, seed: 3);
        Assert.Equal(validation.FeatureValues.ToArray(), again.Validation.FeatureValues.ToArray());
        var other = DatasetSplit.TrainValidation(dataset, 0.2, seed: 4);
        Assert.NotEqual(validation.FeatureValues.ToArray(), other.Validation.FeatureValues.ToArray());
    }

    [Theory]
    [InlineData(10, 0.99)]   // scikit-learn: "the resulting train set will be empty"
    [InlineData(10, 0.95)]
    [InlineData(7, 0.9)]
    public void Split_ThatLeavesNoTrainingSample_IsRefusedAsScikitLearnRefusesIt(int samples, double fraction)
    {
        var dataset = InMemoryDataset.FromLabels([.. Enumerable.Range(0, samples).Select(i => (float)i)], 1, [.. Enumerable.Range(0, samples).Select(i => i % 2)]);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplit.TrainValidation(dataset, fraction, seed: 1));
        Assert.Equal("validationFraction", error.ParamName);
        Assert.Contains("leaves none for training", error.Message, StringComparison.Ordinal);
        var (train, validation) = DatasetSplit.TrainValidation(dataset, (samples - 1) / (double)samples, seed: 1);
        Assert.Equal((1, samples - 1), (train.Count, validation.Count));
    }

    [Fact]
    public void StratifiedSplit_KeepsTheClassProportions()
    {
        // Class 0: 40 samples, class 1: 10 samples.
        int[] labels = [.. Enumerable.Range(0, 50).Select(i => i < 40 ? 0 : 1)];
        var dataset = InMemoryDataset.FromLabels([.. Enumerable.Range(0, 50).Select(i => (float)i)], 1, labels);
        var (train, validation) = DatasetSplit.TrainValidation(dataset, 0.3, seed: 1, stratified: true);
        Assert.Equal(12, validation.Labels.ToArray().Count(l => l == 0));
        Assert.Equal(3, validation.Labels.ToArray().Count(l => l == 1));
        Assert.Equal(35, train.Count);
        Assert.Equal("stratified", Assert.Throws<ArgumentException>(() =>
            DatasetSplit.TrainValidation(InMemoryDataset.FromTargets([1, 2], 1, [1, 2], 1), 0.5, 1, stratified: true)).ParamName);
    }

    [Theory]
    [InlineData(4, 10, 0.25, 10)]   // 4 classes of 10: ceil(0.25 · 40); rounding per class gave 12
    [InlineData(3, 5, 0.5, 8)]      // ceil(7.5); per class 9
    [InlineData(5, 10, 0.2, 10)]
    [InlineData(3, 7, 0.1, 3)]      // ceil(2.1) = 3, one per class
    public void StratifiedSplit_TakesScikitLearnsCount(int classes, int perClass, double fraction, int expected)
    {
        InMemoryDataset dataset = Numbered(classes * perClass, classes);
        var (train, validation) = DatasetSplit.TrainValidation(dataset, fraction, seed: 2, stratified: true);
        Assert.Equal(expected, validation.Count);
        Assert.Equal(classes * perClass - expected, train.Count);

        // Shared in proportion: equal classes differ by one sample at most.
        int[] counts = [.. Enumerable.Range(0, classes).Select(c => validation.Labels.ToArray().Count(l => l == c))];
        Assert.True(counts.Max() - counts.Min() <= 1, string.Join(", ", counts));
    }

    [Fact]
    public void Split_TakesTheCeilingOfTheFraction_AsScikitLearn()
    {
        var (train, validation) = DatasetSplit.TrainValidation(Numbered(10, classes: 2), 0.21, seed: 1);
        Assert.Equal(3, validation.Count);
        Assert.Equal(7, train.Count);
    }

    [Fact]
    public void StratifiedSplit_RefusesWhatScikitLearnRefuses()
    {
        // 10 classes of 3 with 0.2: 6 validation samples for 10 classes.
        var few = Assert.Throws<ArgumentException>(() => DatasetSplit.TrainValidation(Numbered(30, classes: 10), 0.2, seed: 1, stratified: true));
        Assert.Equal("validationFraction", few.ParamName);
        Assert.Contains("6 in validation", few.Message, StringComparison.Ordinal);

        // A class with a single sample.
        var single = InMemoryDataset.FromLabels([0, 1, 2, 3, 4], 1, [0, 0, 0, 0, 1]);
        var lonely = Assert.Throws<ArgumentException>(() => DatasetSplit.TrainValidation(single, 0.4, seed: 1, stratified: true));
        Assert.Equal("dataset", lonely.ParamName);
        Assert.Contains("Class 1 has a single sample", lonely.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_RequestedColumnNames_AreTrimmedAsTheHeaderIs()
    {
        string path = Write(" a , b , label \n1,2,0\n3,4,1\n");
        InMemoryDataset dataset = CsvDataset.Load(path, " label ");
        Assert.Equal([0, 1], dataset.Labels.ToArray());
        Assert.Equal(2, CsvDataset.LoadTargets(path, [" b"]).Features);

        var error = Assert.Throws<ArgumentException>(() => CsvDataset.Load(path, "c"));
        Assert.Equal("labelColumn", error.ParamName);
        Assert.Contains("the header has no column 'c' (names compared after trimming); columns: a, b, label.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("looks separated", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a;b;label\n1,5;2;0\n", "semicolons")]
    [InlineData("a\tb\tlabel\n1\t2\t0\n", "tabs")]
    public void Csv_AHeaderOfOneColumnHoldingAnotherDelimiter_SaysSo(string text, string delimiter)
    {
        string path = Write(text);
        var error = Assert.Throws<ArgumentException>(() => CsvDataset.Load(path, "label"));
        Assert.Contains($"The header is a single column that holds {delimiter}: the file looks separated by {delimiter}, and CsvDataset reads comma-separated values with '.' decimals.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"a\",\"b\",\"label\"\n1,2,0\n", ":1:1:")]
    [InlineData("a,b,label\n\"1.5\",2,0\n", ":2:1:")]
    [InlineData("a,b,label\n1,\"1,000\",0\n", ":2:2:")]
    [InlineData("a,b,label\n1,2,0\n3,4,\"1\n2\",2,0\n", ":3:3:")]
    public void Csv_QuotedFields_AreRefusedAsUnsupported(string text, string location)
    {
        string path = Write(text);
        var error = Assert.Throws<InvalidDataException>(() => CsvDataset.Load(path, "label"));
        Assert.Contains(path + location + " the field holds a quote ('\"'); quoted fields are not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_WideHeader_LoadsAndNamesARepeatedColumn()
    {
        // 40,000 columns: the header check is a dictionary (comparing each name with every earlier one took 13 s here).
        // Its speed is not timed in a test; this checks the wide case's results.
        const int columns = 40_000;
        string header = string.Join(",", Enumerable.Range(0, columns).Select(c => $"c{c}")) + ",label\n";
        string row = string.Join(",", Enumerable.Repeat("1", columns)) + ",0\n";
        string path = Write(header + row + row);
        Assert.Equal(columns, CsvDataset.Load(path, "label").Features);

        string repeated = Write(header.Replace("c39999,", "c17,", StringComparison.Ordinal) + row);
        var error = Assert.Throws<InvalidDataException>(() => CsvDataset.Load(repeated, "label"));
        Assert.Contains(":1:40000: column 'c17' is repeated in the header (columns 18 and 40000)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Subset_OutOfRangeIndex_NamesIndicesAndItsPosition()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Numbered(3, 1).Subset([0, 3]));
        Assert.Equal("indices", error.ParamName);
        Assert.Contains("indices[1] is 3; expected a sample index in [0, 3).", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromMnist_KeepsMnistsTenClasses_ForADigitSubset()
    {
        var mnist = new MnistDataset(new byte[4], [1, 2, 2, 1], 1, 1);
        Assert.Equal(10, mnist.Classes);
        InMemoryDataset dataset = InMemoryDataset.FromMnist(mnist);
        Assert.Equal(10, dataset.Classes);
        Assert.Equal(10, dataset.Subset([0]).Classes);
        Assert.Equal([1, 2, 2, 1], dataset.Labels.ToArray());
    }

    /// <summary>Sample i has the single feature i and label i % classes.</summary>
    internal static InMemoryDataset Numbered(int count, int classes) =>
        InMemoryDataset.FromLabels([.. Enumerable.Range(0, count).Select(i => (float)i)], 1, [.. Enumerable.Range(0, count).Select(i => i % classes)]);

    private string Write(string text)
    {
        string path = Path.Combine(_directory, $"data{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text);
        return path;
    }
}
