using StaticGrad.Runtime.Tests.Python;
using Xunit;

namespace StaticGrad.Runtime.Tests.Onnx;

/// <summary>A fact that needs Debian's ONNX checker (<c>/usr/bin/python3</c> with <c>python3-onnx</c>); skipped, saying so, only when it is missing.</summary>
public sealed class OnnxCheckerFactAttribute : FactAttribute
{
    /// <summary>The interpreter the checker script runs with (Debian's, where python3-onnx installs).</summary>
    public const string Python = DebianPython.Path;

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the checker cannot run.</summary>
    public OnnxCheckerFactAttribute()
    {
        if (!DebianPython.CanImport("onnx"))
        {
            Skip = $"{Python} cannot import onnx: install Debian's checker (apt-get install python3-onnx) to run scripts/onnx_check.py on the exported files.";
        }
    }
}
