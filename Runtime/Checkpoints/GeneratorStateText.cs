using System.Globalization;

namespace StaticGrad.Checkpoints;

/// <summary>
/// An <see cref="Rng"/> state as checkpoint metadata: four 8-digit hexadecimal words, comma-separated (the shuffling
/// generator's <c>training.shuffle_state</c>, the dropout generator's <c>dropout.state</c>).
/// </summary>
internal static class GeneratorStateText
{
    public static string Format((uint S0, uint S1, uint S2, uint S3) state)
        => string.Create(CultureInfo.InvariantCulture, $"{state.S0:x8},{state.S1:x8},{state.S2:x8},{state.S3:x8}");

    /// <summary>Parses four 8-digit hexadecimal words, not all zero (the all-zero state is not a generator state).</summary>
    public static bool TryParse(string text, out (uint S0, uint S1, uint S2, uint S3) state)
    {
        string[] parts = text.Split(',');
        uint[] words = new uint[4];
        bool ok = parts.Length == 4;
        for (int i = 0; ok && i < 4; i++)
        {
            ok = parts[i].Length == 8 && uint.TryParse(parts[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out words[i]);
        }

        ok &= (words[0] | words[1] | words[2] | words[3]) != 0;
        state = (words[0], words[1], words[2], words[3]);
        return ok;
    }
}
