using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary><see cref="Rng.NextDouble"/>: 53 random bits from two draws, in [0, 1).</summary>
public sealed class RngTests
{
    [Fact]
    public void NextDouble_TakesTheTop27And26BitsOfTwoDraws_InZeroToOne()
    {
        var rng = new Rng(42);
        var twin = new Rng(42);
        bool oddSeen = false;
        double sum = 0;
        const int Draws = 100_000;
        for (int i = 0; i < Draws; i++)
        {
            double value = rng.NextDouble();
            ulong high = twin.NextUInt32() >> 5, low = twin.NextUInt32() >> 6;
            Assert.Equal(((high << 26) | low) / 9007199254740992.0, value);
            Assert.InRange(value, 0.0, 1.0 - (1.0 / 9007199254740992.0));

            // Every one of the 53 bits is random: the lowest is set in about half the draws.
            oddSeen |= ((ulong)(value * 9007199254740992.0) & 1) == 1;
            sum += value;
        }

        Assert.True(oddSeen);
        Assert.InRange(sum / Draws, 0.495, 0.505);
    }
}
