using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;

namespace StaticGrad.Models.Commands;

/// <summary>
/// The nearest options (or commands) to the words of a command line the parser did not match. System.CommandLine's own
/// corrections go to standard output and guess for every unmatched word, so the value after a mistyped option
/// (<c>--epohcs 3</c>) was offered <c>-h</c>; here only a word that looks like an option gets options, a word in a
/// command's place gets commands, and a value that follows an unmatched option gets nothing.
/// </summary>
public static class TypoSuggestions
{
    /// <summary>
    /// One line per unmatched word with a near name: <c>'--epohcs' was not matched. Did you mean --epochs?</c> (several
    /// equally near names are listed with "or").
    /// </summary>
    /// <param name="result">The parse that had errors.</param>
    /// <param name="args">The words it parsed.</param>
    /// <returns>The lines, in the order of the words.</returns>
    public static IEnumerable<string> For(ParseResult result, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(args);
        var unmatched = new HashSet<string>(result.UnmatchedTokens, StringComparer.Ordinal);
        Command command = result.CommandResult.Command;
        bool afterUnmatchedOption = false;
        for (int i = 0; i < args.Count; i++)
        {
            string word = args[i];
            if (!unmatched.Contains(word))
            {
                afterUnmatchedOption = false;
                continue;
            }

            bool isOption = word.StartsWith('-');
            IEnumerable<string> names = isOption
                ? command.Options.Concat(result.RootCommandResult.Command.Options.Where(o => o.Recursive)).SelectMany(o => o.Aliases.Prepend(o.Name))
                : afterUnmatchedOption || i > 0 ? [] : command.Subcommands.Select(c => c.Name);
            afterUnmatchedOption = isOption;
            string[] nearest = Nearest(word, names.Distinct(StringComparer.Ordinal));
            if (nearest.Length > 0)
            {
                yield return $"'{word}' was not matched. Did you mean {string.Join(" or ", nearest)}?";
            }
        }
    }

    /// <summary>
    /// The names at the smallest edit distance from <paramref name="word"/> (insertions, deletions, substitutions and
    /// swaps of neighbours, on the name without its dashes), if that distance is at most a third of the name's length
    /// (at least 1); else the names <paramref name="word"/> begins (<c>--epo</c> for <c>--epochs</c>). Words and names of
    /// one letter get and give no suggestion: <c>-x</c> is as near to <c>-h</c> as to anything.
    /// </summary>
    internal static string[] Nearest(string word, IEnumerable<string> names)
    {
        string bare = word.TrimStart('-');
        if (bare.Length < 2)
        {
            return [];
        }

        var scored = names.Where(name => name.TrimStart('-').Length >= 2).Select(name => (Name: name, Distance: Distance(bare, name.TrimStart('-')))).ToList();
        int best = scored.Count == 0 ? int.MaxValue : scored.Min(s => s.Distance);
        string[] nearest = scored.Where(s => s.Distance == best && s.Distance <= Math.Max(1, s.Name.TrimStart('-').Length / 3)).Select(s => s.Name).ToArray();
        return nearest.Length > 0
            ? nearest
            : scored.Where(s => s.Name.TrimStart('-').StartsWith(bare, StringComparison.Ordinal)).Select(s => s.Name).ToArray();
    }

    /// <summary>The optimal string alignment distance: Levenshtein's, with a swap of two neighbouring letters as one edit.</summary>
    internal static int Distance(string a, string b)
    {
        int[,] d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
