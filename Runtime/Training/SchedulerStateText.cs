using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace StaticGrad.Training;

/// <summary>
/// A <see cref="SchedulerState"/> as one checkpoint metadata string, exact to the bit:
/// <c>lastEpoch,stepCount,base,last,group,best,badEpochs,cooldown</c> with each float64 as the 16 hexadecimal digits
/// of its bits, followed by each wrapped scheduler's state in parentheses. Public as <see cref="SchedulerState.ToText"/>
/// and <see cref="SchedulerState.Parse"/>.
/// </summary>
internal static class SchedulerStateText
{
    private const int Fields = 8;

    /// <summary>
    /// The deepest nesting <see cref="Parse"/> reads: far beyond any real schedule (a SequentialLR of a ChainedScheduler
    /// is 3 levels), and low enough that the recursive reader cannot exhaust the stack on a corrupted or hostile
    /// checkpoint, which would end the process instead of throwing.
    /// </summary>
    internal const int MaxDepth = 32;

    /// <summary>Writes <paramref name="state"/>.</summary>
    public static string Format(SchedulerState state)
    {
        var text = new StringBuilder();
        Append(text, state);
        return text.ToString();
    }

    /// <summary>Reads what <see cref="Format"/> wrote; <paramref name="what"/> names the entry in error messages.</summary>
    /// <exception cref="InvalidDataException">The text is malformed.</exception>
    public static SchedulerState Parse(string text, string what)
    {
        int position = 0;
        SchedulerState state = ParseState(text, ref position, what, depth: 0);
        if (position != text.Length)
        {
            throw Malformed(what, $"unexpected '{text[position]}' at character {position}");
        }

        return state;
    }

    private static void Append(StringBuilder text, SchedulerState state)
    {
        text.Append(CultureInfo.InvariantCulture, $"{state.LastEpoch},{state.StepCount},{Bits(state.BaseLearningRate)},{Bits(state.LastLearningRate)},{Bits(state.GroupLearningRate)},{Bits(state.Best)},{state.BadEpochs},{state.CooldownCounter}");
        foreach (SchedulerState child in state.Children)
        {
            text.Append('(');
            Append(text, child);
            text.Append(')');
        }
    }

    private static string Bits(double value) => BitConverter.DoubleToInt64Bits(value).ToString("x16", CultureInfo.InvariantCulture);

    private static SchedulerState ParseState(string text, ref int position, string what, int depth)
    {
        var fields = new string[Fields];
        for (int i = 0; i < Fields; i++)
        {
            int end = position;
            while (end < text.Length && text[end] is not (',' or '(' or ')'))
            {
                end++;
            }

            fields[i] = text[position..end];
            position = end;
            if (i < Fields - 1)
            {
                if (position >= text.Length || text[position] != ',')
                {
                    throw Malformed(what, $"expected {Fields} comma-separated fields, found {i + 1}");
                }

                position++;
            }
        }

        var children = new List<SchedulerState>();
        while (position < text.Length && text[position] == '(')
        {
            if (depth == MaxDepth)
            {
                throw Malformed(what, $"the wrapped schedulers' states nest deeper than {MaxDepth} levels at character {position}");
            }

            position++;
            children.Add(ParseState(text, ref position, what, depth + 1));
            if (position >= text.Length || text[position] != ')')
            {
                throw Malformed(what, "a '(' has no matching ')'");
            }

            position++;
        }

        return new SchedulerState
        {
            LastEpoch = Integer(fields[0], what),
            StepCount = Integer(fields[1], what),
            BaseLearningRate = Double(fields[2], what),
            LastLearningRate = Double(fields[3], what),
            GroupLearningRate = Double(fields[4], what),
            Best = Double(fields[5], what),
            BadEpochs = Counter(fields[6], what),
            CooldownCounter = Counter(fields[7], what),
            Children = children,
        };
    }

    private static long Integer(string field, string what)
        => long.TryParse(field, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) && value is >= -1 and <= int.MaxValue * 1024L
            ? value
            : throw Malformed(what, $"'{Checkpoints.SafeTensorsReader.Shown(field)}' is not an integer counter");

    /// <summary>A counter of <see cref="ReduceLROnPlateau"/>, an <see cref="int"/>.</summary>
    private static int Counter(string field, string what)
    {
        long value = Integer(field, what);
        return value is >= 0 and <= int.MaxValue ? (int)value : throw Malformed(what, $"'{field}' is not a counter from 0 to {int.MaxValue}");
    }

    private static double Double(string field, string what)
        => field.Length == 16 && long.TryParse(field, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long bits)
            ? BitConverter.Int64BitsToDouble(bits)
            : throw Malformed(what, $"'{Checkpoints.SafeTensorsReader.Shown(field)}' is not 16 hexadecimal digits (a float64's bits)");

    private static InvalidDataException Malformed(string what, string problem) => new($"{what} is malformed: {problem}.");
}
