namespace System.Runtime.CompilerServices;

/// <summary>Lets netstandard2.0 compile <c>init</c> accessors and records (PolySharp is not available here).</summary>
internal static class IsExternalInit
{
}
