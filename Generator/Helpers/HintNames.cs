using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Helpers;

/// <summary>
/// Keeps generated files' hint names valid: Roslyn compares them ignoring case (<c>App.Net</c> and <c>app.NET</c> would be
/// one file, and the generator would fail for every model), and a file system takes about 255 bytes per file name (the
/// name of an emitted file, <c>EmitCompilerGeneratedFiles</c>). A name that collides, or a long one, gets a short hash of
/// the full name, so it stays the same from build to build.
/// </summary>
internal static class HintNames
{
    /// <summary>The longest hint name kept as it is; longer ones are cut and get a hash.</summary>
    private const int MaxLength = 160;

    private const string Suffix = ".g.cs";

    /// <summary><c>{name}.g.cs</c>, cut to <see cref="MaxLength"/> characters with a hash of the whole name when longer.</summary>
    /// <param name="name">The dotted type name (namespace, containing types, type).</param>
    public static string Of(string name)
        => name.Length + Suffix.Length <= MaxLength ? name + Suffix : name.Substring(0, MaxLength - 16) + "." + Hash(name) + Suffix;

    /// <summary>The hint names that differ from another only in case, in ordinal order.</summary>
    /// <param name="names">Every hint name the generator may write.</param>
    public static EquatableArray<string> Collisions(IEnumerable<string> names)
        => names.Distinct(System.StringComparer.Ordinal)
            .GroupBy(n => n, System.StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1)
            .SelectMany(g => g)
            .OrderBy(n => n, System.StringComparer.Ordinal)
            .ToEquatableArray();

    /// <summary><paramref name="hintName"/>, with a hash of it before <c>.g.cs</c> when it is one of <paramref name="collisions"/>.</summary>
    public static string Unique(string hintName, EquatableArray<string> collisions)
        => collisions.Contains(hintName) ? hintName.Substring(0, hintName.Length - Suffix.Length) + "." + Hash(hintName) + Suffix : hintName;

    /// <summary>FNV-1a of the UTF-16 code units, 8 hexadecimal digits: the same on every machine and run.</summary>
    private static string Hash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = unchecked((hash ^ c) * 16777619);
        }

        return hash.ToString("x8", CultureInfo.InvariantCulture);
    }
}
