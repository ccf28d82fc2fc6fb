using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Models;
using StaticGrad.Runtime.Tests.Models;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests.Checkpoints;

/// <summary>
/// Hostile files: thousands of deterministic corruptions of valid safetensors and IDX files. Each one
/// must throw the documented <see cref="InvalidDataException"/> (or, where the format cannot notice the
/// change, load cleanly), never another exception, within a small allocation and time bound, and a
/// failed load must leave the model and the optimizer exactly as they were.
/// </summary>
[Collection(nameof(TimedLoads))]
public sealed class SafeTensorsMutationTests(ITestOutputHelper output)
{
    private const long AllocationBound = 2 << 20;

    /// <summary>The bytes of the "format" key: renaming a free metadata key is not an error.</summary>
    private static HashSet<int> FreeMetadata(string header, IReadOnlyDictionary<string, string> metadata, Func<string, bool> keyIsFree, Func<string, bool> valueIsFree)
    {
        var free = new HashSet<int>();
        foreach ((string key, string value) in metadata)
        {
            string entry = $"\"{key}\":\"{value}\"";
            int at = header.IndexOf(entry, StringComparison.Ordinal);
            Assert.True(at >= 0, entry);
            if (keyIsFree(key))
            {
                free.UnionWith(Enumerable.Range(8 + at + 1, key.Length));
            }

            if (valueIsFree(key))
            {
                free.UnionWith(Enumerable.Range(8 + at + key.Length + 4, value.Length));
            }
        }

        return free;
    }

    [Fact]
    public void CorruptedWeightsFiles_AreRefused_AndTheModelIsUnchanged()
    {
        var source = new MnistClassifier128(seed: 11);
        byte[] file = ModelWeightsTests.WeightsFile(source);
        var model = new MnistClassifier128(seed: 12);
        byte[] snapshot = ModelWeightsTests.Bits(model.Parameters);
        var mutation = new Mutation(file);
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        string header = SafeTensorsFiles.HeaderOf(file);
        HashSet<int> free = FreeMetadata(header, new Dictionary<string, string> { ["format"] = "pt" }, _ => true, _ => false);

        var variants = new List<IEnumerable<Variant>>
        {
            mutation.Truncations("truncate header", 0, headerEnd),
            mutation.SpreadTruncations("truncate data", headerEnd, 64),
            mutation.Appends("append", 1, 3, 4, 8, 4096),
            LengthFieldEdits(mutation, headerEnd - 8, file.Length),
            mutation.ByteXors("header byte ^ 0xFF", 0, headerEnd, _ => Expect.Reject),
            mutation.BitFlips("header bit flip", 0, headerEnd, (i, _) => free.Contains(i) ? Expect.MayAccept : Expect.Reject),
            mutation.RandomOverwrites("header random bytes", 0, headerEnd, 400, 6, i => !free.Contains(i), seed: 1),
            HeaderEdits(mutation, file),
            InvalidTextEdits(mutation, file),
            TooManyEntries(mutation),
            mutation.RandomOverwrites("data random bytes", headerEnd, file.Length, 100, 4, _ => true, seed: 2, Expect.MayAccept),
        };

        var stats = new MutationStats("weights file (mlp128, " + file.Length + " bytes, header " + (headerEnd - 8) + ")", AllocationBound);
        mutation.Run(
            variants.SelectMany(v => v),
            stream => ModelWeights.Load(model.Parameters, stream, "mutated.safetensors"),
            () => System.Runtime.InteropServices.MemoryMarshal.AsBytes(model.Parameters.Values).SequenceEqual(snapshot) ? null : "the weights changed",
            variant =>
            {
                // An accepted load must have copied exactly what the file says; then reset the model.
                using (SafeTensorsReader reader = SafeTensorsFiles.Open(mutation.BytesOf(variant)))
                {
                    foreach (ParameterTensor tensor in model.Parameters.Tensors)
                    {
                        reader.TryGetTensor(tensor.Name, out SafeTensorInfo info);
                        float[] expected = new float[tensor.Length];
                        reader.ReadSingles(info, expected);
                        Assert.True(expected.AsSpan().SequenceEqual(model.Parameters.ValuesOf(tensor)), variant.Family);
                    }
                }

                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(snapshot).CopyTo(model.Parameters.Values);
            },
            stats);

        output.WriteLine(stats.Report());
        Assert.True(stats.Failures.Count == 0, string.Join("\n", stats.Failures.Take(20)) + "\n" + stats.Report());
        Assert.True(stats.MustReject >= 1000, stats.Report());
    }

    [Fact]
    public void CorruptedTrainingCheckpoints_AreRefused_AndModelAndOptimizerAreUnchanged()
    {
        // A small deep model (7-6-5-4-3, eight tensors, 32 in the file with the Adam buffers) keeps each
        // load cheap, so every bit of the 3.5 KB header can be flipped; the weights test above covers mlp128.
        (TinyDeepModel sourceModel, Adam sourceAdam) = TinyPair(seed: 21);
        TrainingCheckpoint original = TrainingCheckpoint.Capture(
            sourceModel.Parameters, sourceAdam, new TrainingProgress(3, 2, (0xdeadbeef, 1, 2, 3), 64, 8000), new Dictionary<string, string> { ["model"] = "tiny", ["seed"] = "21" });
        using var stream = new MemoryStream();
        original.WriteTo(stream);
        byte[] file = stream.ToArray();

        // The target: another model and an Adam with the same hyperparameters, two steps in.
        (TinyDeepModel model, Adam adam) = TinyPair(seed: 22);
        byte[] weights = ModelWeightsTests.Bits(model.Parameters);
        float[] m = adam.FirstMoments.ToArray();
        float[] v = adam.SecondMoments.ToArray();
        float[] vMax = adam.MaxSecondMoments.ToArray();
        long steps = adam.StepCount;
        float lr = adam.LearningRate;
        TrainingCheckpoint targetState = TrainingCheckpoint.Capture(model.Parameters, adam, new TrainingProgress(0, steps, (1, 2, 3, 4), 1, 1));
        string? Unchanged()
        {
            if (!System.Runtime.InteropServices.MemoryMarshal.AsBytes(model.Parameters.Values).SequenceEqual(weights))
            {
                return "the weights changed";
            }

            return adam.FirstMoments.SequenceEqual(m) && adam.SecondMoments.SequenceEqual(v) && adam.MaxSecondMoments.SequenceEqual(vMax) && adam.StepCount == steps && adam.LearningRate == lr
                ? null
                : "the optimizer state changed";
        }

        var mutation = new Mutation(file);
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        string header = SafeTensorsFiles.HeaderOf(file);
        using SafeTensorsReader parsed = SafeTensorsFiles.Open(file);

        // Metadata values are text the format cannot check (an edited epoch or learning rate is a
        // valid, different checkpoint; "1E-08" and "1e-08" are the same epsilon); free keys too.
        HashSet<int> free = FreeMetadata(header, parsed.Metadata, key => key is "format" or "model" or "seed", _ => true);

        var variants = new List<IEnumerable<Variant>>
        {
            mutation.Truncations("truncate header", 0, headerEnd),
            mutation.SpreadTruncations("truncate data", headerEnd, 64),
            mutation.Appends("append", 1, 4, 4096),
            LengthFieldEdits(mutation, headerEnd - 8, file.Length),
            mutation.ByteXors("header byte ^ 0xFF", 0, headerEnd, _ => Expect.Reject),
            mutation.BitFlips("header bit flip", 0, headerEnd, (i, _) => free.Contains(i) ? Expect.MayAccept : Expect.Reject),
            mutation.RandomOverwrites("header random bytes", 0, headerEnd, 300, 6, i => !free.Contains(i), seed: 3),
            InvalidTextEdits(mutation, file),
            TooManyEntries(mutation),
            mutation.RandomOverwrites("data random bytes", headerEnd, file.Length, 50, 4, _ => true, seed: 4, Expect.MayAccept),
        };

        var stats = new MutationStats("training checkpoint (7-6-5-4-3 + Adam AMSGrad, " + file.Length + " bytes, header " + (headerEnd - 8) + ")", AllocationBound);
        mutation.Run(
            variants.SelectMany(x => x),
            s => TrainingCheckpoint.Read(s, "mutated.safetensors").Restore(model.Parameters, adam),
            Unchanged,
            _ => targetState.Restore(model.Parameters, adam), // a clean load is a different but valid checkpoint; put the target back
            stats);

        output.WriteLine(stats.Report());
        Assert.True(stats.Failures.Count == 0, string.Join("\n", stats.Failures.Take(20)) + "\n" + stats.Report());
        Assert.True(stats.MustReject >= 1000, stats.Report());
    }

    private static (TinyDeepModel Model, Adam Optimizer) TinyPair(int seed)
    {
        var model = new TinyDeepModel(seed);
        var adam = new Adam(model.Parameters, 2e-3f, amsgrad: true);
        for (int step = 0; step < 2; step++)
        {
            Span<float> g = model.Parameters.Gradients;
            for (int i = 0; i < g.Length; i++)
            {
                g[i] = MathF.Sin((i * 0.3f) + step);
            }

            adam.Step();
        }

        return (model, adam);
    }

    /// <summary>The 8-byte header length set to wrong values, and each of its 64 bits flipped.</summary>
    private static IEnumerable<Variant> LengthFieldEdits(Mutation mutation, int headerLength, int fileLength)
    {
        ulong[] values =
        [
            0, 1, 2, (ulong)headerLength - 8, (ulong)headerLength - 1, (ulong)headerLength + 1, (ulong)headerLength + 8,
            (ulong)fileLength - 8 - 4, (ulong)fileLength - 8, (ulong)fileLength - 7, (ulong)fileLength, int.MaxValue, 1UL << 32 | (uint)headerLength,
            1UL << 63, ulong.MaxValue, SafeTensorsReader.DefaultMaxHeaderLength, SafeTensorsReader.DefaultMaxHeaderLength + 1,
        ];
        foreach (ulong value in values)
        {
            byte[] bytes = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
            yield return new Variant("header length edits", Expect.Reject, mutation.Length, [.. bytes.Select((b, i) => (i, b))]);
        }

        foreach (Variant flip in mutation.BitFlips("header length bit flip", 0, 8, (_, _) => Expect.Reject))
        {
            yield return flip;
        }
    }

    /// <summary>
    /// Every string of the header (tensor names, field names, dtypes, metadata keys and values) given
    /// a JSON escape that decodes to invalid UTF-16: a lone high surrogate in front, a lone low
    /// surrogate at the end, a reversed pair for the whole text, a high surrogate before a plain escape.
    /// </summary>
    private static IEnumerable<Variant> InvalidTextEdits(Mutation mutation, byte[] file)
    {
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        byte[] header = file[8..(8 + length)];
        byte[] data = file[(8 + length)..];
        var strings = new List<(int Start, int End)>();
        var json = new System.Text.Json.Utf8JsonReader(header);
        while (json.Read())
        {
            if (json.TokenType is System.Text.Json.JsonTokenType.String or System.Text.Json.JsonTokenType.PropertyName)
            {
                Assert.False(json.ValueIsEscaped);
                strings.Add(((int)json.TokenStartIndex + 1, (int)json.TokenStartIndex + 1 + json.ValueSpan.Length));
            }
        }

        Assert.True(strings.Count >= 20, $"{strings.Count} strings");
        foreach ((int start, int end) in strings)
        {
            byte[] Edit(int from, int to, string text) => SafeTensorsFiles.Build([.. header[..from], .. Encoding.ASCII.GetBytes(text), .. header[to..]], data);
            yield return mutation.Replace("invalid text escapes", Edit(start, start, "\\ud800"));
            yield return mutation.Replace("invalid text escapes", Edit(end, end, "\\udc00"));
            yield return mutation.Replace("invalid text escapes", Edit(start, end, "\\udfff\\udbff"));
            yield return mutation.Replace("invalid text escapes", Edit(end, end, "\\ud83d\\u0041"));
        }
    }

    /// <summary>Headers just under the 16 MiB limit with more tensors, or more metadata entries, than the reader accepts.</summary>
    private static IEnumerable<Variant> TooManyEntries(Mutation mutation)
    {
        int limit = (int)SafeTensorsReader.DefaultMaxHeaderLength - 8;
        yield return mutation.Replace("too many entries", SafeTensorsFiles.ZeroSizeTensors(300_000, limit));
        yield return mutation.Replace("too many entries", SafeTensorsFiles.ZeroSizeTensors(SafeTensorsReader.MaxTensorCount + 1));
        string metadata = "{\"__metadata__\":{" + string.Join(",", Enumerable.Range(0, 1_000_000).Select(i => $"\"{i}\":\"\"")) + "}}";
        yield return mutation.Replace("too many entries", SafeTensorsFiles.Build(metadata.PadRight(limit), []));
    }

    /// <summary>Targeted rewrites of the JSON header: wrong types, shapes, offsets, names, huge numbers.</summary>
    private static IEnumerable<Variant> HeaderEdits(Mutation mutation, byte[] file)
    {
        string header = SafeTensorsFiles.HeaderOf(file);
        (string From, string To)[] edits =
        [
            ("\"dtype\":\"F32\"", "\"dtype\":\"F16\""), ("\"dtype\":\"F32\"", "\"dtype\":\"F64\""), ("\"dtype\":\"F32\"", "\"dtype\":\"I32\""),
            ("\"dtype\":\"F32\"", "\"dtype\":\"f32\""), ("\"dtype\":\"F32\"", "\"dtype\":\"F32 \""), ("\"dtype\":\"F32\"", "\"dtype\":null"),
            ("\"shape\":[128,784]", "\"shape\":[784,128]"), ("\"shape\":[128,784]", "\"shape\":[100352]"), ("\"shape\":[128,784]", "\"shape\":[128,784,1]"),
            ("\"shape\":[128,784]", "\"shape\":[0,784]"), ("\"shape\":[128,784]", "\"shape\":[-128,784]"), ("\"shape\":[128,784]", "\"shape\":[128.0,784]"),
            ("\"shape\":[128,784]", "\"shape\":[1e2,784]"), ("\"shape\":[128,784]", "\"shape\":[18446744073709551615,784]"),
            ("\"shape\":[128,784]", "\"shape\":[4294967296,4294967296,128,784]"), ("\"shape\":[128,784]", "\"shape\":[99999999999999999999999,784]"),
            ("\"shape\":[128,784]", "\"shape\":\"128x784\""), ("\"shape\":[128,784]", "\"shape\":[]"), ("\"shape\":[10]", "\"shape\":[10,1]"),
            ("\"data_offsets\":[0,401408]", "\"data_offsets\":[0,0]"), ("\"data_offsets\":[0,401408]", "\"data_offsets\":[401408,0]"),
            ("\"data_offsets\":[0,401408]", "\"data_offsets\":[4,401412]"), ("\"data_offsets\":[0,401408]", "\"data_offsets\":[0,401408,0]"),
            ("\"data_offsets\":[0,401408]", "\"data_offsets\":[0,18446744073709551615]"), ("\"data_offsets\":[0,401408]", "\"data_offsets\":[-1,401407]"),
            ("\"data_offsets\":[401408,401920]", "\"data_offsets\":[0,512]"), ("\"data_offsets\":[401408,401920]", "\"data_offsets\":[401404,401916]"),
            ("\"fc1.weight\"", "\"fc1.bias\""), ("\"fc1.weight\"", "\"FC1.weight\""), ("\"fc1.weight\"", "\"\""), ("\"fc1.weight\"", "\"__metadata__\""),
            ("\"format\":\"pt\"", "\"format\":\"tf\""), ("\"format\":\"pt\"", "\"format\":1"), ("\"format\":\"pt\"", "\"format\":[\"pt\"]"),
            ("{\"__metadata__\"", "[{\"__metadata__\""), ("\"dtype\":\"F32\",", "\"dtype\":\"F32\",\"dtype\":\"F32\","), ("\"dtype\":\"F32\",", ""),
            ("\"dtype\":\"F32\",", "\"dtype\":\"F32\",\"extra\":1,"), ("\"shape\":", "\"shape\":[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]],\"x\":"),
        ];
        foreach ((string from, string to) in edits)
        {
            Assert.Contains(from, header);
            int at = header.IndexOf(from, StringComparison.Ordinal);
            string edited = header[..at] + to + header[(at + from.Length)..];
            yield return mutation.Replace("header edits", SafeTensorsFiles.WithHeader(file, edited));
        }

        // An extra tensor, a missing tensor, a huge header of padding, a second JSON value.
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        byte[] data = file[(8 + length)..];
        yield return mutation.Replace("header edits", SafeTensorsFiles.Build(header.TrimEnd().TrimEnd('}') + ",\"extra\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[407080,407084]}}", [.. data, 0, 0, 0, 0]));
        yield return mutation.Replace("header edits", SafeTensorsFiles.Build(header.TrimEnd() + new string(' ', 1 << 20) + "{}", data));
        yield return mutation.Replace("header edits", SafeTensorsFiles.Build(header.TrimEnd() + "{}", data));
        yield return mutation.Replace("header edits", SafeTensorsFiles.Build(header.TrimEnd() + new string('\0', 8), data));
        yield return mutation.Replace("header edits", SafeTensorsFiles.Build("{\"__metadata__\":{\"format\":\"pt\"}}", data));
    }
}

/// <summary>The IDX loader under the same treatment, raw and gzip, images and labels.</summary>
[Collection(nameof(TimedLoads))]
public sealed class IdxMutationTests(ITestOutputHelper output)
{
    private const long AllocationBound = 4 << 20;

    [Fact]
    public void CorruptedIdxFiles_AreRefused()
    {
        byte[] pixels = IdxTestFiles.Pixels(10 * 784, salt: 5);
        byte[] labels = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
        var corpora = new (string Name, byte[] File, bool Images, bool Gzip)[]
        {
            ("raw images", IdxTestFiles.ImagesBytes(10, 28, 28, pixels), true, false),
            ("raw labels", IdxTestFiles.LabelsBytes(labels), false, false),
            ("gzip images", IdxTestFiles.Gzip(IdxTestFiles.ImagesBytes(10, 28, 28, pixels)), true, true),
            ("gzip labels", IdxTestFiles.Gzip(IdxTestFiles.LabelsBytes(labels)), false, true),
        };

        int mustReject = 0;
        var failures = new List<string>();
        foreach ((string name, byte[] file, bool images, bool gzip) in corpora)
        {
            var mutation = new Mutation(file);
            var stats = new MutationStats($"{name} ({file.Length} bytes)", AllocationBound);
            var variants = new List<IEnumerable<Variant>>();
            int headerLength = images ? 16 : 8;
            if (!gzip)
            {
                variants.Add(mutation.Truncations("truncate", 0, file.Length));
                variants.Add(mutation.Appends("append", 1, 4, 784));
                variants.Add(mutation.ByteXors("header byte ^ 0xFF", 0, headerLength, _ => Expect.Reject));
                variants.Add(mutation.BitFlips("header bit flip", 0, headerLength, (_, _) => Expect.Reject));
                variants.Add(RawHeaderEdits(images));
                variants.Add(mutation.RandomOverwrites("header random bytes", 0, headerLength, 200, 4, _ => true, seed: 5));
                variants.Add(mutation.RandomOverwrites("data random bytes", headerLength, file.Length, 20, 4, _ => true, seed: 6, Expect.MayAccept));
            }
            else
            {
                // Bytes 4-9 (MTIME, XFL, OS) and the FTEXT flag are informational in gzip; the unused
                // high bits of the last deflate byte are padding. Everything else is covered by the
                // header checks, the deflate decoder, the CRC-32 and the size field.
                int lastDeflateByte = file.Length - 9;
                Expect Flip(int i, int bit) => (i is >= 4 and <= 9) || (i == 3 && bit == 0) || i == lastDeflateByte ? Expect.MayAccept : Expect.Reject;
                variants.Add(mutation.Truncations("truncate", 0, file.Length));
                variants.Add(mutation.Appends("append", 1, 8, 100));
                variants.Add(mutation.ByteXors("byte ^ 0xFF", 0, file.Length, i => i is >= 4 and <= 9 ? Expect.MayAccept : Expect.Reject));
                variants.Add(mutation.BitFlips("bit flip", 0, file.Length, Flip));
                variants.Add(mutation.RandomOverwrites("random bytes", 10, file.Length, 200, 4, i => i != lastDeflateByte, seed: 7));
            }

            mutation.Run(
                variants.SelectMany(x => x),
                stream =>
                {
                    if (images)
                    {
                        IdxReader.ReadImages(stream, "mutated-idx");
                    }
                    else
                    {
                        IdxReader.ReadLabels(stream, "mutated-idx");
                    }
                },
                () => null,
                _ => { },
                stats);
            output.WriteLine(stats.Report());
            failures.AddRange(stats.Failures.Select(f => $"{name}: {f}"));
            mustReject += stats.MustReject;
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.True(mustReject >= 1000, $"{mustReject} must-reject variants");

        IEnumerable<Variant> RawHeaderEdits(bool images)
        {
            uint[][] headers = images
                ?
                [
                    [0x803, 0, 28, 28], [0x803, 9, 28, 28], [0x803, 11, 28, 28], [0x803, int.MaxValue, 28, 28], [0x803, uint.MaxValue, 28, 28],
                    [0x803, 100_000_001, 28, 28], [0x803, 10, 0, 28], [0x803, 10, 28, 0], [0x803, 10, 65536, 65536], [0x803, 10, 14, 28],
                    [0x803, 10, uint.MaxValue, uint.MaxValue], [0x801, 10, 28, 28], [0x0D03, 10, 28, 28], [0x804, 10, 28, 28], [0x08030000, 10, 28, 28],
                ]
                :
                [
                    [0x801, 0], [0x801, 9], [0x801, 11], [0x801, uint.MaxValue], [0x801, 100_000_001], [0x803, 10], [0x0901, 10], [0x800, 10],
                ];
            foreach (uint[] words in headers)
            {
                var patches = new List<(int, byte)>();
                for (int w = 0; w < words.Length; w++)
                {
                    for (int b = 0; b < 4; b++)
                    {
                        patches.Add(((4 * w) + b, (byte)(words[w] >> (24 - (8 * b)))));
                    }
                }

                yield return new Variant("header value edits", Expect.Reject, images ? 16 + (10 * 784) : 18, patches.ToArray());
            }
        }
    }

    [Fact]
    public void ImagesAndLabelsCountMismatch_IsRefused()
    {
        using var files = new IdxTestFiles();
        string images = files.Write("images", IdxTestFiles.ImagesBytes(10, 28, 28, IdxTestFiles.Pixels(7840)), gzip: true);
        foreach (int count in new[] { 0, 9, 11 })
        {
            string labels = files.Write($"labels-{count}", IdxTestFiles.LabelsBytes(new byte[count]), gzip: true);

            InvalidDataException e = Assert.Throws<InvalidDataException>(() => MnistDataset.Load(images, labels));

            Assert.Contains($"holds 10 images but the labels file '{labels}' holds {count} labels", e.Message);
        }
    }
}
