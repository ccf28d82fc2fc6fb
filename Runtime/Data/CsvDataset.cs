using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace StaticGrad.Data;

/// <summary>
/// Reads an <see cref="InMemoryDataset"/> from a comma-separated file with a header row: one column
/// is the integer class label (<see cref="Load"/>), or some columns are float targets
/// (<see cref="LoadTargets"/>); every other column is a float feature, in file order. Numbers are
/// parsed in the invariant culture (<c>1.5</c>, <c>-2e-3</c>); fields, header names and the requested column names are
/// trimmed; blank lines are skipped; quoting is not supported (a <c>"</c> anywhere is refused as a quoted field); column
/// names must be unique. Bad input is an <see cref="InvalidDataException"/> whose message starts with <c>file:line:column</c>
/// (both 1-based; the column is the field's position).
/// </summary>
public static class CsvDataset
{
    /// <summary>Loads a labelled dataset (pandas: <c>df.drop(columns=label)</c> as features, <c>df[label]</c> as the class).</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="labelColumn">The header name of the label column (compared after trimming both); its values must be integers ≥ 0, or <paramref name="ignoreIndex"/>.</param>
    /// <param name="ignoreIndex">The label of rows the loss skips (PyTorch's <c>ignore_index</c>, e.g. -100), or null for none (<see cref="InMemoryDataset.IgnoreIndex"/>).</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="ArgumentException">The header has no column <paramref name="labelColumn"/>, or it is the only column.</exception>
    /// <exception cref="InvalidDataException">The header repeats a column name, a line holds a quote, a row has the wrong number of fields, a label is neither <paramref name="ignoreIndex"/> nor an integer in [0, <see cref="InMemoryDataset.MaxClasses"/>), or a feature is not a finite number or lies beyond float32's range (the message gives file, line and column).</exception>
    public static InMemoryDataset Load(string path, string labelColumn, int? ignoreIndex = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(labelColumn);
        Table table = Read(path, [labelColumn], labelIsInteger: true, ignoreIndex);
        return InMemoryDataset.FromLabels(table.Features.ToArray(), table.FeatureCount, table.Labels.ToArray(), ignoreIndex);
    }

    /// <summary>Loads a dataset of float targets (regression, or per-output probabilities).</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="targetColumns">The header names of the target columns (compared after trimming both), in the order they are stored per sample; at least one.</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="ArgumentException">A target column is missing or repeated, or no feature column is left.</exception>
    /// <exception cref="InvalidDataException">The header repeats a column name, a line holds a quote, a row has the wrong number of fields, or a value is not a finite number or lies beyond float32's range (the message gives file, line and column).</exception>
    public static InMemoryDataset LoadTargets(string path, IReadOnlyList<string> targetColumns)
    {
        ArgumentNullException.ThrowIfNull(targetColumns);
        if (targetColumns.Count == 0)
        {
            throw new ArgumentException("Expected at least one target column.", nameof(targetColumns));
        }

        Table table = Read(path, targetColumns, labelIsInteger: false);
        return InMemoryDataset.FromTargets(table.Features.ToArray(), table.FeatureCount, table.Targets.ToArray(), targetColumns.Count);
    }

    private static Table Read(string path, IReadOnlyList<string> special, bool labelIsInteger, int? ignoreIndex = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var reader = new StreamReader(ReadableFile.Open(path, bufferSize: 4096));
        int lineNumber = 0;
        string? header = NextLine(reader, ref lineNumber) ?? throw new InvalidDataException($"{path}:1:1: the file is empty; expected a header row.");
        RefuseQuotes(path, header, lineNumber);
        string[] names = header.Split(',');
        var columns = new Dictionary<string, int>(names.Length, StringComparer.Ordinal);
        for (int c = 0; c < names.Length; c++)
        {
            names[c] = names[c].Trim();
            if (names[c].Length == 0)
            {
                // pandas' to_csv writes its index there under an empty name: read as a feature, the row number would train.
                throw new InvalidDataException(
                    $"{path}:{lineNumber}:{c + 1}: column {c + 1} of the header has no name; expected every column named (pandas' to_csv writes the DataFrame's index as an unnamed first column unless index=False).");
            }

            if (!columns.TryAdd(names[c], c))
            {
                throw new InvalidDataException($"{path}:{lineNumber}:{c + 1}: column '{names[c]}' is repeated in the header (columns {columns[names[c]] + 1} and {c + 1}); expected unique column names.");
            }
        }

        int[] role = new int[names.Length]; // -1 feature, else index into special
        role.AsSpan().Fill(-1);
        for (int s = 0; s < special.Count; s++)
        {
            string name = special[s]?.Trim() ?? throw new ArgumentNullException("targetColumns", $"targetColumns[{s}] is null; expected a column name.");
            if (!columns.TryGetValue(name, out int found))
            {
                throw new ArgumentException($"{path}: the header has no column '{name}' (names compared after trimming); columns: {string.Join(", ", names)}.{DelimiterHint(names)}", labelIsInteger ? "labelColumn" : "targetColumns");
            }

            if (role[found] >= 0)
            {
                throw new ArgumentException($"Column '{name}' is listed twice.", "targetColumns");
            }

            role[found] = s;
        }

        int featureCount = names.Length - special.Count;
        if (featureCount == 0)
        {
            throw new ArgumentException($"{path}: no feature columns are left besides {string.Join(", ", special)}.", labelIsInteger ? "labelColumn" : "targetColumns");
        }

        var table = new Table(featureCount);
        float[] targetRow = new float[special.Count];
        string? line;
        while ((line = NextLine(reader, ref lineNumber)) is not null)
        {
            RefuseQuotes(path, line, lineNumber);
            string[] fields = line.Split(',');
            if (fields.Length != names.Length)
            {
                int column = Math.Min(fields.Length, names.Length) + 1;
                throw new InvalidDataException($"{path}:{lineNumber}:{column}: the row has {fields.Length} fields; expected {names.Length}, as in the header.");
            }

            for (int c = 0; c < fields.Length; c++)
            {
                ReadOnlySpan<char> text = fields[c].AsSpan().Trim();
                if (text.Contains('\0'))
                {
                    // .NET's number parsing ignores trailing NULs ("2\0" would load as 2).
                    throw new InvalidDataException($"{path}:{lineNumber}:{c + 1}: the field in column '{names[c]}' holds a NUL character (U+0000); expected a number.");
                }

                if (role[c] >= 0 && labelIsInteger)
                {
                    if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int label) || (label < 0 && label != ignoreIndex))
                    {
                        throw new InvalidDataException(
                            $"{path}:{lineNumber}:{c + 1}: label '{text}' in column '{names[c]}' is not an integer >= 0"
                            + (ignoreIndex is int skipped ? $" or the ignore index {skipped}." : label < 0 ? " (a label the loss skips, PyTorch's ignore_index, needs Load's ignoreIndex)." : "."));
                    }

                    if (label >= InMemoryDataset.MaxClasses)
                    {
                        throw new InvalidDataException(
                            $"{path}:{lineNumber}:{c + 1}: label {label} in column '{names[c]}' is not a class index below {InMemoryDataset.MaxClasses}; for numeric targets, use LoadTargets.");
                    }

                    table.Labels.Add(label);
                    continue;
                }

                if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
                {
                    if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double wide) && double.IsFinite(wide))
                    {
                        // float parsing rounds a finite number beyond float32's range to infinity.
                        throw new InvalidDataException(
                            $"{path}:{lineNumber}:{c + 1}: '{text}' in column '{names[c]}' is outside the float32 range (magnitude at most {float.MaxValue.ToString(CultureInfo.InvariantCulture)}); expected a number the model's float32 values can hold (rescale the column).");
                    }

                    throw new InvalidDataException($"{path}:{lineNumber}:{c + 1}: '{text}' in column '{names[c]}' is not a finite number.");
                }

                if (role[c] >= 0)
                {
                    targetRow[role[c]] = value;
                }
                else
                {
                    table.Features.Add(value);
                }
            }

            if (!labelIsInteger)
            {
                table.Targets.AddRange(targetRow);
            }
        }

        if (table.Features.Count == 0)
        {
            throw new InvalidDataException($"{path}:{lineNumber + 1}:1: the file has a header but no data rows.");
        }

        return table;
    }

    /// <summary>
    /// A hint when the header is one column holding another common delimiter (a semicolon-separated export of a locale
    /// whose decimal separator is the comma, or a tab-separated file), else empty.
    /// </summary>
    private static string DelimiterHint(string[] names)
    {
        if (names.Length != 1)
        {
            return string.Empty;
        }

        foreach ((char delimiter, string name) in new[] { (';', "semicolons"), ('\t', "tabs"), ('|', "vertical bars") })
        {
            if (names[0].Contains(delimiter, StringComparison.Ordinal))
            {
                return $" The header is a single column that holds {name}: the file looks separated by {name}, and CsvDataset reads comma-separated values with '.' decimals.";
            }
        }

        return string.Empty;
    }

    /// <summary>
    /// Refuses a line with a <c>"</c>: a quoted field (RFC 4180, pandas' <c>quoting=csv.QUOTE_ALL</c>) would otherwise fail
    /// later as a missing column, a bad number or a ragged row, none of which says why.
    /// </summary>
    private static void RefuseQuotes(string path, string line, int lineNumber)
    {
        int quote = line.IndexOf('"', StringComparison.Ordinal);
        if (quote >= 0)
        {
            int column = line.AsSpan(0, quote).Count(',') + 1;
            throw new InvalidDataException($"{path}:{lineNumber}:{column}: the field holds a quote ('\"'); quoted fields are not supported: expected plain comma-separated values (write the file without quoting, e.g. pandas' to_csv(quoting=csv.QUOTE_NONE)).");
        }
    }

    private static string? NextLine(StreamReader reader, ref int lineNumber)
    {
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (!string.IsNullOrWhiteSpace(line))
            {
                return line;
            }
        }

        return null;
    }

    private sealed class Table(int featureCount)
    {
        public int FeatureCount { get; } = featureCount;

        public List<float> Features { get; } = [];

        public List<int> Labels { get; } = [];

        public List<float> Targets { get; } = [];
    }
}
