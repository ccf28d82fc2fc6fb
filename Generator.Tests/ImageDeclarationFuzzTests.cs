using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticGrad.Generator.Tests.Helpers;
using Xunit;

namespace StaticGrad.Generator.Tests;

/// <summary>
/// Image models drawn from a fixed seed (square and rectangular windows, <c>SamePadding</c> with odd and even kernels), valid or with exactly one defect: a window larger than its padded input,
/// channels that <c>Groups</c> does not divide, an option out of range, pool padding above half the kernel, a flat op on an image or an image op on features, a skip of another shape, a
/// model that ends in an image, an invalid input shape. The generator never throws; a valid declaration compiles without
/// errors or warnings; a defective one gets exactly one SG error, on the line of the defect, and no other error.
/// </summary>
public sealed class ImageDeclarationFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Rounds = 20;

    private enum Defect
    {
        None,
        WindowTooLarge,
        GroupsDoNotDivideInput,
        GroupsDoNotDivideOutput,
        OptionOutOfRange,
        PoolPaddingAboveHalfKernel,
        BatchNorm1dOnImage,
        SkipShapesDisagree,
        LinearOnImage,
        ImageOpOnFeatures,
        ConcatImageAndFeatures,
        EndsInImage,
        InvalidInput,
    }

    [Fact]
    public void EveryDeclarationCompiles_OrGetsOneErrorOnItsDefect()
    {
        var random = new Random(20261205);
        var failures = new List<string>();
        GeneratorDriver driver = GeneratorHarness.CreateDriver();
        int count = 0;
        for (int round = 0; round < Rounds; round++)
        {
            foreach (Defect defect in Enum.GetValues<Defect>())
            {
                (string source, int line) = new Declaration(random, count).Build(defect);
                if (Check(ref driver, source, line) is { } failure)
                {
                    failures.Add($"Declaration {count} ({defect}):\n{source}{failure}");
                }

                count++;
            }
        }

        output.WriteLine($"{count} declarations, {failures.Count} failures");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} declarations failed:\n\n{string.Join("\n\n", failures.Take(6))}");
    }

    /// <summary>
    /// Null when the run is as expected: without a defect (<paramref name="defectLine"/> 0) no diagnostic at all; with one,
    /// a single SG error on that 1-based line and no other error.
    /// </summary>
    private static string? Check(ref GeneratorDriver driver, string source, int defectLine)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(source);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation result, out _);
        GeneratorDriverRunResult run = driver.GetRunResult();
        if (run.Results[0].Exception is { } exception)
        {
            return "generator exception: " + exception;
        }

        Diagnostic[] generator = run.Diagnostics.ToArray();
        Diagnostic[] compiler = result.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        string all = string.Join("\n", generator.Concat(compiler).Select(d => d.ToString()));
        if (defectLine == 0)
        {
            return generator.Length == 0 && compiler.Length == 0 ? null : "valid, but:\n" + all;
        }

        if (generator.Length != 1 || generator[0].Severity != DiagnosticSeverity.Error || compiler.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            return $"expected one SG error on line {defectLine}, got:\n{all}";
        }

        int line = generator[0].Location.GetLineSpan().StartLinePosition.Line + 1;
        return line == defectLine ? null : $"expected the SG error on line {defectLine}, got:\n{all}";
    }

    /// <summary>One drawn model: its lines, and the shape of every member's output so far.</summary>
    private sealed class Declaration(Random random, int index)
    {
        private readonly List<string> _lines = new() { "using StaticGrad;", string.Empty };
        private readonly List<(string Name, int C, int H, int W)> _images = new();
        private int _c, _h, _w;

        /// <summary>The source and the 1-based line of its defect (0 without one).</summary>
        public (string Source, int Line) Build(Defect defect)
        {
            (_c, _h, _w) = (random.Next(1, 4), random.Next(5, 13), random.Next(5, 13));
            int line = 0;
            string channels = defect == Defect.InvalidInput ? Pick("0", "-2", "4") : Int(_c);
            string height = defect == Defect.InvalidInput && channels == "4" ? Pick("0", "-3") : Int(_h);
            line = Add($"[Model(Channels = {channels}, Height = {height}, Width = {Int(_w)})]", defect == Defect.InvalidInput, line);
            _lines.Add($"public partial class Image{index}");
            _lines.Add("{");
            _images.Add(("ModelAttribute.Input", _c, _h, _w));
            int members = random.Next(1, 5);
            for (int m = 0; m < members; m++)
            {
                _lines.Add(ValidMember($"L{m}"));
                _images.Add(($"L{m}", _c, _h, _w));
            }

            // A grouped convolution needs two channels or more to have groups that divide its input but not its output;
            // a skip of another shape needs every earlier output to differ from the last: a 1 x 1 convolution to more
            // channels than any so far gives both.
            if (defect is Defect.GroupsDoNotDivideOutput or Defect.SkipShapesDisagree)
            {
                _c = _images.Max(s => s.C) + 1;
                _lines.Add($"    [Conv2d({Int(_c)}, 1)] public partial Conv2d Widen {{ get; }}");
            }

            // The defect comes last among the image members, so nothing after it depends on a shape it failed to give.
            if (ImageDefect(defect, "Bad") is { } bad)
            {
                line = Add(bad, true, line);
            }

            if (defect == Defect.LinearOnImage)
            {
                line = Add("    [Linear(4)] public partial Linear Early { get; }", true, line);
            }
            else if (defect == Defect.EndsInImage)
            {
                // Reported at the last layer, whose output is the image.
                line = Add("    [Conv2d(2, 1)] public partial Conv2d Last { get; }", true, line);
                _lines.Add("    [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }");
                _lines.Add("}");
                return (string.Join("\n", _lines) + "\n", line);
            }
            else
            {
                _lines.Add("    [Flatten] public partial Flatten Flat { get; }");
            }

            if (defect == Defect.ImageOpOnFeatures)
            {
                line = Add(Pick(
                    "    [MaxPool2d(2)] public partial MaxPool2d Late { get; }",
                    "    [Conv2d(2, 1)] public partial Conv2d Late { get; }",
                    "    [BatchNorm2d] public partial BatchNorm2d Late { get; }",
                    "    [AdaptiveAvgPool2d(1)] public partial AdaptiveAvgPool2d Late { get; }",
                    "    [Dropout2d(0.1f)] public partial Dropout2d Late { get; }"), true, line);
            }

            if (defect == Defect.ConcatImageAndFeatures)
            {
                line = Add($"    [Concat({Reference(Pick(_images.ToArray()).Name)})] public partial Residual Join {{ get; }}", true, line);
            }

            _lines.Add("    [Linear(3)] public partial Linear Head { get; }");
            _lines.Add("    [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }");
            _lines.Add("}");
            return (string.Join("\n", _lines) + "\n", line);
        }

        /// <summary>Adds <paramref name="text"/>; returns its line number when it is the defect, else <paramref name="line"/>.</summary>
        private int Add(string text, bool defective, int line)
        {
            _lines.Add(text);
            return defective ? _lines.Count : line;
        }

        private string ValidMember(string name)
        {
            switch (random.Next(9))
            {
                case 0:
                case 1:
                    int groups = _c % 2 == 0 && random.Next(2) == 0 ? 2 : 1;
                    int outChannels = groups * random.Next(1, 4);
                    string activation = Pick("ReLU", "Tanh", "GELU");
                    if (random.Next(3) == 0)
                    {
                        return RectangularConv(name, outChannels, groups, activation);
                    }

                    if (random.Next(5) == 0)
                    {
                        // Upsampling: output padding below the stride, padding that leaves at least one pixel.
                        int k = random.Next(1, 4), s = random.Next(1, 3), op = random.Next(0, s);
                        int p = ((Math.Min(_h, _w) - 1) * s) + k + op - 2 >= 1 ? random.Next(0, 2) : 0;
                        (_c, _h, _w) = (outChannels, ((_h - 1) * s) - (2 * p) + k + op, ((_w - 1) * s) - (2 * p) + k + op);
                        return $"    [ConvTranspose2d({Int(outChannels)}, {Int(k)}, Stride = {Int(s)}, Padding = {Int(p)}, OutputPadding = {Int(op)}, Groups = {Int(groups)}), {activation}] public partial ConvTranspose2d {name} {{ get; }}";
                    }

                    int kernel = random.Next(1, Math.Min(Math.Min(_h, _w), 4) + 1), padding = random.Next(0, 2), stride = random.Next(1, 3);
                    (_c, _h, _w) = (outChannels, Window(_h, kernel, stride, padding), Window(_w, kernel, stride, padding));
                    return $"    [Conv2d({Int(outChannels)}, {Int(kernel)}, Stride = {Int(stride)}, Padding = {Int(padding)}, Groups = {Int(groups)}), {activation}] public partial Conv2d {name} {{ get; }}";
                case 2:
                    string pool = Pick("MaxPool2d", "AvgPool2d");
                    if (random.Next(3) == 0)
                    {
                        // A window per axis, e.g. (2, 1): the stride defaults to it along each axis.
                        int kh = random.Next(1, Math.Min(3, _h) + 1), kw = random.Next(1, Math.Min(3, _w) + 1);
                        (_h, _w) = (Window(_h, kh, kh, 0), Window(_w, kw, kw, 0));
                        return $"    [{pool}({Int(kh)}, {Int(kw)})] public partial {pool} {name} {{ get; }}";
                    }

                    int size = random.Next(1, Math.Min(3, Math.Min(_h, _w)) + 1);
                    (_h, _w) = (Window(_h, size, size, 0), Window(_w, size, size, 0));
                    return $"    [{pool}({Int(size)})] public partial {pool} {name} {{ get; }}";
                case 3:
                    if (random.Next(4) == 0)
                    {
                        int sh = random.Next(1, 3), sw = random.Next(1, 3);
                        (_h, _w) = (_h * sh, _w * sw);
                        return $"    [Upsample(ScaleFactorHeight = {Int(sh)}, ScaleFactorWidth = {Int(sw)}{Pick(string.Empty, ", Mode = UpsampleMode.Bilinear", ", Mode = UpsampleMode.Bilinear, AlignCorners = true")})] public partial Upsample {name} {{ get; }}";
                    }

                    if (random.Next(3) == 0)
                    {
                        // Padding, or cropping less than the image (a negative side).
                        int left = random.Next(_w > 1 ? -1 : 0, 3), right = random.Next(0, 3), top = random.Next(0, 3), bottom = random.Next(_h > 1 ? -1 : 0, 2);
                        // Reflection takes at most size - 1 on a side; replication and zeros any amount.
                        string pad = left < _w && right < _w && top < _h && bottom < _h ? Pick("ZeroPad2d", "ReflectionPad2d", "ReplicationPad2d") : Pick("ZeroPad2d", "ReplicationPad2d");
                        (_h, _w) = (top + _h + bottom, left + _w + right);
                        return $"    [{pad}({Int(left)}, {Int(right)}, {Int(top)}, {Int(bottom)})] public partial {pad} {name} {{ get; }}";
                    }

                    if (random.Next(3) == 0)
                    {
                        int[] divisors = Enumerable.Range(1, _c).Where(g => _c % g == 0).ToArray();
                        return _h * _w > 1 && random.Next(3) == 0
                            ? $"    [InstanceNorm2d{Pick(string.Empty, "(Affine = true)")}] public partial InstanceNorm2d {name} {{ get; }}"
                            : $"    [GroupNorm({Int(Pick(divisors))}{Pick(string.Empty, ", Affine = false", ", Eps = 1e-3f")}){Pick(string.Empty, ", ReLU")}] public partial GroupNorm {name} {{ get; }}";
                    }

                    return $"    [BatchNorm2d{Pick(string.Empty, "(Affine = false)", "(TrackRunningStats = false)")}] public partial BatchNorm2d {name} {{ get; }}";
                case 4:
                    return $"    [{Pick("SiLU", "Sigmoid", "ELU(0.5f)")}] public partial ActivationLayer {name} {{ get; }}";
                case 5:
                    return $"    [Dropout2d(0.2f)] public partial Dropout2d {name} {{ get; }}";
                case 7:
                    // Any output size: smaller, equal or larger than the input, dividing it or not (overlapping windows).
                    int outputSize = random.Next(1, Math.Max(_h, _w) + 2);
                    (_h, _w) = (outputSize, outputSize);
                    return $"    [AdaptiveAvgPool2d({Int(outputSize)})] public partial AdaptiveAvgPool2d {name} {{ get; }}";
                case 6:
                    (int C, int H, int W) shape = (_c, _h, _w);
                    (string Name, int C, int H, int W)[] same = _images.Where(s => (s.C, s.H, s.W) == shape).ToArray();
                    return same.Length == 0
                        ? $"    [Tanh] public partial ActivationLayer {name} {{ get; }}"
                        : $"    [{Pick("Add", "Multiply")}({Reference(Pick(same).Name)})] public partial Residual {name} {{ get; }}";
                default:
                    (int H, int W) plane = (_h, _w);
                    (string Name, int C, int H, int W) source = Pick(_images.Where(s => (s.H, s.W) == plane).ToArray());
                    _c += source.C;
                    return $"    [Concat({Reference(source.Name)})] public partial Residual {name} {{ get; }}";
            }
        }

        /// <summary>
        /// A convolution whose window options differ between the axes (PyTorch's tuples): a kernel of its own height and
        /// width, per-axis stride and padding, or <c>SamePadding</c> (an even kernel pads one more row or column at the end).
        /// </summary>
        private string RectangularConv(string name, int outChannels, int groups, string activation)
        {
            int kh = random.Next(1, Math.Min(_h, 5) + 1), kw = random.Next(1, Math.Min(_w, 5) + 1);
            if (random.Next(3) == 0)
            {
                _c = outChannels;
                return $"    [Conv2d({Int(outChannels)}, {Int(kh)}, {Int(kw)}, SamePadding = true, Groups = {Int(groups)}), {activation}] public partial Conv2d {name} {{ get; }}";
            }

            int sh = random.Next(1, 3), sw = random.Next(1, 3), ph = random.Next(0, 2), pw = random.Next(0, 2);
            (_c, _h, _w) = (outChannels, Window(_h, kh, sh, ph), Window(_w, kw, sw, pw));
            return $"    [Conv2d({Int(outChannels)}, {Int(kh)}, {Int(kw)}, StrideHeight = {Int(sh)}, StrideWidth = {Int(sw)}, PaddingHeight = {Int(ph)}, PaddingWidth = {Int(pw)}, Groups = {Int(groups)}), {activation}] public partial Conv2d {name} {{ get; }}";
        }

        /// <summary>The defective image member, or null for the defects that are not one.</summary>
        private string? ImageDefect(Defect defect, string name) => defect switch
        {
            Defect.WindowTooLarge => Pick(
                $"    [Conv2d(2, {Int(Math.Max(_h, _w) + 3)}, Padding = 1)] public partial Conv2d {name} {{ get; }}",
                $"    [Conv2d(2, 3, Dilation = {Int(Math.Max(_h, _w))})] public partial Conv2d {name} {{ get; }}",
                $"    [MaxPool2d({Int(Math.Max(_h, _w) + 1)})] public partial MaxPool2d {name} {{ get; }}",
                $"    [AvgPool2d({Int(Math.Max(_h, _w) + 1)}, Stride = 1)] public partial AvgPool2d {name} {{ get; }}",
                $"    [Conv2d(2, 1, {Int(_w + 3)})] public partial Conv2d {name} {{ get; }}",
                $"    [MaxPool2d({Int(_h + 1)}, 1)] public partial MaxPool2d {name} {{ get; }}",
                $"    [ZeroPad2d(0, 0, -{Int(_h)}, 0)] public partial ZeroPad2d {name} {{ get; }}",
                $"    [Conv2d(2, 3, 1, DilationHeight = {Int(_h)}, PaddingWidth = 1)] public partial Conv2d {name} {{ get; }}"),
            Defect.GroupsDoNotDivideInput => $"    [Conv2d({Int((_c + 1) * 2)}, 1, Groups = {Int(_c + 1)})] public partial Conv2d {name} {{ get; }}",
            Defect.GroupsDoNotDivideOutput => Pick(
                $"    [Conv2d({Int((2 * _c) + 1)}, 1, Groups = {Int(_c)})] public partial Conv2d {name} {{ get; }}",
                $"    [GroupNorm({Int(_c + 1)})] public partial GroupNorm {name} {{ get; }}"),
            Defect.OptionOutOfRange => Pick(
                $"    [Conv2d(2, 0)] public partial Conv2d {name} {{ get; }}",
                $"    [Conv2d(0, 1)] public partial Conv2d {name} {{ get; }}",
                $"    [Conv2d(2, 1, Stride = 0)] public partial Conv2d {name} {{ get; }}",
                $"    [Conv2d(2, 1, Padding = -1)] public partial Conv2d {name} {{ get; }}",
                $"    [Conv2d(2, 1, Dilation = 0)] public partial Conv2d {name} {{ get; }}",
                $"    [MaxPool2d(2, Stride = -1)] public partial MaxPool2d {name} {{ get; }}",
                $"    [AvgPool2d(-2)] public partial AvgPool2d {name} {{ get; }}",
                $"    [AdaptiveAvgPool2d(0)] public partial AdaptiveAvgPool2d {name} {{ get; }}",
                $"    [BatchNorm2d(Momentum = 2f)] public partial BatchNorm2d {name} {{ get; }}",
                $"    [Dropout2d(1.5f)] public partial Dropout2d {name} {{ get; }}",
                $"    [Conv2d(2, 1, 0)] public partial Conv2d {name} {{ get; }}",
                $"    [Conv2d(2, 1, StrideHeight = 0)] public partial Conv2d {name} {{ get; }}",
                $"    [MaxPool2d(2, 2, PaddingWidth = -1)] public partial MaxPool2d {name} {{ get; }}",
                $"    [AvgPool2d(2, StrideWidth = -2)] public partial AvgPool2d {name} {{ get; }}",
                $"    [Conv2d(2, 3, Stride = 2, SamePadding = true)] public partial Conv2d {name} {{ get; }}",
                $"    [Conv2d(2, 3, SamePadding = true, Padding = 1)] public partial Conv2d {name} {{ get; }}",
                $"    [GroupNorm(0)] public partial GroupNorm {name} {{ get; }}",
                $"    [ConvTranspose2d(2, 3, Stride = 2, OutputPadding = 2)] public partial ConvTranspose2d {name} {{ get; }}",
                $"    [ConvTranspose2d(2, 0)] public partial ConvTranspose2d {name} {{ get; }}",
                $"    [Upsample(ScaleFactor = -1)] public partial Upsample {name} {{ get; }}",
                $"    [GroupNorm(1, Eps = -1f)] public partial GroupNorm {name} {{ get; }}"),
            Defect.PoolPaddingAboveHalfKernel => Pick(
                $"    [MaxPool2d(2, Padding = 2)] public partial MaxPool2d {name} {{ get; }}",
                $"    [AvgPool2d(3, Stride = 1, Padding = 2)] public partial AvgPool2d {name} {{ get; }}",
                $"    [MaxPool2d(1, 4, Stride = 1, PaddingHeight = 1)] public partial MaxPool2d {name} {{ get; }}"),
            Defect.BatchNorm1dOnImage => Pick(
                $"    [BatchNorm1d] public partial BatchNorm1d {name} {{ get; }}",
                $"    [LayerNorm] public partial LayerNorm {name} {{ get; }}"),
            Defect.SkipShapesDisagree => DisagreeingJoin(name),
            _ => null,
        };

        /// <summary>
        /// A join with an earlier output of another shape: every earlier output has fewer channels than the last (the
        /// Widen member), but a one-channel map of its size still multiplies it pixel by pixel, so [Multiply] names another.
        /// </summary>
        private string DisagreeingJoin(string name)
        {
            string join = Pick("Add", "Multiply");
            (string Name, int C, int H, int W)[] sources = [.. _images.Where(s => join == "Add" || !(s.C == 1 && s.H == _h && s.W == _w))];
            if (sources.Length == 0)
            {
                (join, sources) = ("Add", [.. _images]);
            }

            return $"    [{join}({Reference(Pick(sources).Name)})] public partial Residual {name} {{ get; }}";
        }

        private static int Window(int size, int kernel, int stride, int padding) => ((size + (2 * padding) - kernel) / stride) + 1;

        private static string Reference(string name) => name == "ModelAttribute.Input" ? name : $"nameof({name})";

        private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        private T Pick<T>(params T[] values) => values[random.Next(values.Length)];
    }
}
