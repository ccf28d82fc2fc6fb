using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace StaticGrad.Generator.Model;

/// <summary>
/// A <see cref="Location"/> reduced to values (file path, span, line span), so diagnostics can flow
/// through the incremental pipeline without holding a syntax tree.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, TextSpan, LineSpan);

    public static LocationInfo? From(Location? location)
    {
        if (location?.SourceTree is null)
        {
            return null;
        }

        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    public static LocationInfo? From(SyntaxReference? reference)
        => reference is null ? null : From(reference.SyntaxTree.GetLocation(reference.Span));
}
