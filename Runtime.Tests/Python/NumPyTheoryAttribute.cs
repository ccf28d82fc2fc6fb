using Xunit;

namespace StaticGrad.Runtime.Tests.Python;

/// <summary>A theory that runs a repository script's NumPy code with Debian's interpreter; skipped, saying so, only when NumPy is missing.</summary>
public sealed class NumPyTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when <c>/usr/bin/python3</c> cannot import numpy.</summary>
    public NumPyTheoryAttribute()
    {
        Skip = NumPyFactAttribute.SkipReason;
    }
}
