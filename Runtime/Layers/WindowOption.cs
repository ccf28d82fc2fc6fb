using System.Globalization;

namespace StaticGrad;

/// <summary>How the pools' descriptions print a window option: one number when both axes agree, as PyTorch prints an int option, else a tuple.</summary>
internal static class WindowOption
{
    /// <summary><c>2</c> for (2, 2), <c>(2, 1)</c> for (2, 1).</summary>
    public static string Format((int Height, int Width) option)
        => option.Height == option.Width
            ? option.Height.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"({option.Height}, {option.Width})");
}
