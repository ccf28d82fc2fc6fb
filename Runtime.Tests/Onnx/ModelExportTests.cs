using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using StaticGrad.Onnx;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests.Onnx;

/// <summary>
/// Every generated model of the test suite and of the Models app (the MLPs, the residual MLP, LeNet-5 and the normalized
/// CNN, the batch norm, op-graph and inference-only models, and all the random differential architectures) exported
/// with <see cref="IOnnxExportable.ToOnnx"/>: ONNX Runtime gives the model's own <c>Forward</c> outputs within 1e-5, and
/// Debian's checker (<c>scripts/onnx_check.py</c>) accepts every file.
/// </summary>
public sealed class ModelExportTests(ITestOutputHelper output)
{
    private const int Batch = 5;

    /// <summary>Every concrete generated model type with the generated <c>(seed, maxBatch)</c> constructor.</summary>
    private static IEnumerable<Type> ModelTypes() =>
        new[] { typeof(ModelExportTests).Assembly, typeof(StaticGrad.Models.LeNet5).Assembly }
            .SelectMany(assembly => assembly.GetTypes())
            .Where(t => !t.IsAbstract && typeof(IOnnxExportable).IsAssignableFrom(t) && typeof(IInferenceModel).IsAssignableFrom(t)
                && t.GetConstructor([typeof(int), typeof(int)]) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    public static TheoryData<string> Models() => new(ModelTypes().Select(t => t.FullName!));

    [Theory]
    [MemberData(nameof(Models))]
    public void OnnxRuntimeGivesTheModelsOutputs(string typeName)
    {
        IInferenceModel model = Create(typeName);
        byte[] onnx = ((IOnnxExportable)model).ToOnnx().ToArray();
        var rng = new Rng(11);
        float[] inputs = new float[Batch * model.InputSize];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = rng.NextSingle(-1f, 1f);
        }

        float[] expected = new float[Batch * model.OutputSize];
        model.Forward(inputs, expected, Batch);

        float[] actual = OnnxRunner.RunBatch(onnx, inputs, Batch);

        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"{typeName} output[{i}]: Forward {expected[i]:R}, ONNX Runtime {actual[i]:R}");
        }
    }

    [OnnxCheckerFact]
    public void TheCheckerAcceptsEveryExportedModel()
    {
        string directory = Directory.CreateTempSubdirectory("staticgrad-export-").FullName;
        try
        {
            string[] files = ModelTypes().Select(t =>
            {
                string path = Path.Combine(directory, t.Name + ".onnx");
                ((IOnnxExportable)Create(t.FullName!)).ToOnnx().Save(path);
                return path;
            }).ToArray();
            (int exitCode, string text) = OnnxChecker.Check(output, files);
            Assert.True(exitCode == 0, text);
            Assert.Equal(files.Length, text.Split('\n').Count(line => line.StartsWith("ok: ", StringComparison.Ordinal)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void TheExportedImageModelDeclaresItsImageInputAndADynamicBatch()
    {
        var model = new StaticGrad.Models.LeNet5(seed: 1, maxBatch: 1);
        using var session = new InferenceSession(model.ToOnnx().ToArray());

        NodeMetadata input = session.InputMetadata["input"];
        Assert.Equal(new[] { -1, 1, 28, 28 }, input.Dimensions);
        Assert.Equal("batch", input.SymbolicDimensions[0]);
        Assert.Equal(new[] { -1, 10 }, session.OutputMetadata["output"].Dimensions);
    }

    /// <summary>A model with its seed's weights and, when it has running statistics, random ones (variances positive).</summary>
    private static IInferenceModel Create(string typeName)
    {
        Type type = ModelTypes().Single(t => t.FullName == typeName);
        var model = (IInferenceModel)Activator.CreateInstance(type, 3, Batch)!;
        RandomizeRunningStatistics(model.Parameters, new Rng(5));
        return model;
    }

    /// <summary>Running means in [-0.5, 0.5) and variances in [0.5, 2), so that an export using the defaults (0 and 1) would show.</summary>
    internal static void RandomizeRunningStatistics(ParameterSet parameters, Rng rng)
    {
        foreach (BufferTensor buffer in parameters.Buffers.Where(b => b.ElementType == BufferElementType.Float32))
        {
            Span<float> values = parameters.ValuesOf(buffer);
            bool variance = buffer.Name.EndsWith("running_var", StringComparison.Ordinal);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = variance ? rng.NextSingle(0.5f, 2f) : rng.NextSingle(-0.5f, 0.5f);
            }
        }
    }
}
