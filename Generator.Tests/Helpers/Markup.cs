using System;
using Microsoft.CodeAnalysis.Text;

namespace StaticGrad.Generator.Tests.Helpers;

/// <summary>Test sources with the expected diagnostic span marked as <c>[|...|]</c>, as in Roslyn's own tests.</summary>
internal static class Markup
{
    public static (string Source, TextSpan Span) Parse(string markup)
    {
        int start = markup.IndexOf("[|", StringComparison.Ordinal);
        int end = markup.IndexOf("|]", StringComparison.Ordinal);
        if (start < 0 || end < start)
        {
            throw new ArgumentException("Expected exactly one [|...|] span.", nameof(markup));
        }

        string source = markup.Remove(end, 2).Remove(start, 2);
        return (source, TextSpan.FromBounds(start, end - 2));
    }
}
