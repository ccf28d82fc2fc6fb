using Xunit;

namespace StaticGrad.Runtime.Tests.Python;

/// <summary>A fact that runs a repository script's NumPy code with Debian's interpreter; skipped, saying so, only when NumPy is missing.</summary>
public sealed class NumPyFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when <c>/usr/bin/python3</c> cannot import numpy.</summary>
    public NumPyFactAttribute()
    {
        Skip = SkipReason;
    }

    /// <summary>Why NumPy tests are skipped here, or null when they run.</summary>
    internal static string? SkipReason => DebianPython.CanImport("numpy")
        ? null
        : $"{DebianPython.Path} cannot import numpy: install Debian's python3-numpy (python3-onnx brings it) to run the scripts' NumPy readers.";
}
