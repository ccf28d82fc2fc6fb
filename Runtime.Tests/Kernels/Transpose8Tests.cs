using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary><see cref="Transpose8"/>: row <c>k</c> lane <c>m</c> becomes row <c>m</c> lane <c>k</c>, every one of the 64 values, bit for bit.</summary>
public sealed class Transpose8Tests
{
    [Fact]
    public void EveryValueMovesToTheTransposedPlace()
    {
        if (!Avx.IsSupported)
        {
            return;
        }

        float[] values = new float[64];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = i == 9 ? -0f : i == 18 ? float.NaN : (i * 1.5f) - 20f;
        }

        Vector256<float>[] r = new Vector256<float>[8];
        for (int k = 0; k < 8; k++)
        {
            r[k] = Vector256.Create(values, 8 * k);
        }

        Transpose8.InRegisters(ref r[0], ref r[1], ref r[2], ref r[3], ref r[4], ref r[5], ref r[6], ref r[7]);
        for (int m = 0; m < 8; m++)
        {
            for (int k = 0; k < 8; k++)
            {
                Assert.Equal(System.BitConverter.SingleToInt32Bits(values[(8 * k) + m]), System.BitConverter.SingleToInt32Bits(r[m].GetElement(k)));
            }
        }
    }
}
