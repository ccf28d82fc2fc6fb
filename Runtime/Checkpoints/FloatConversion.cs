using System;
using System.Buffers.Binary;

namespace StaticGrad.Checkpoints;

/// <summary>
/// Little-endian F16, BF16 and F64 bytes to and from floats, with PyTorch's rounding: every F16 and BF16 value is
/// exactly a float; a float or double becomes the nearest F16, BF16 or float, ties to even (as <c>tensor.half()</c>,
/// <c>tensor.bfloat16()</c> and <c>tensor.float()</c> round), NaN stays NaN.
/// </summary>
internal static class FloatConversion
{
    /// <summary>Whether a tensor of <paramref name="dtype"/> can be read as floats (<c>F32</c>, <c>F16</c>, <c>BF16</c>, <c>F64</c>).</summary>
    public static bool IsConvertible(string dtype) => dtype is "F32" or "F16" or "BF16" or "F64";

    /// <summary>The safetensors name of <paramref name="dtype"/>.</summary>
    public static string NameOf(FloatDType dtype) => dtype switch
    {
        FloatDType.F32 => "F32",
        FloatDType.F16 => "F16",
        FloatDType.BF16 => "BF16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Use FloatDType.F32, F16 or BF16."),
    };

    /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
    public static int SizeOf(FloatDType dtype) => dtype == FloatDType.F32 ? 4 : 2;

    /// <summary>Converts <paramref name="source"/>, elements of <paramref name="dtype"/>, to floats.</summary>
    public static void ToSingles(string dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case "F32":
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
                }

                break;
            case "F16":
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source[(2 * i)..]);
                }

                break;
            case "BF16":
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) << 16);
                }

                break;
            case "F64":
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source[(8 * i)..]);
                }

                break;
            default:
                throw new ArgumentException($"dtype {dtype} cannot be read as floats.", nameof(dtype));
        }
    }

    /// <summary>Converts floats to elements of <paramref name="dtype"/>, little-endian.</summary>
    public static void FromSingles(ReadOnlySpan<float> source, FloatDType dtype, Span<byte> destination)
    {
        switch (dtype)
        {
            case FloatDType.F32:
                for (int i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(destination[(4 * i)..], source[i]);
                }

                break;
            case FloatDType.F16:
                for (int i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(destination[(2 * i)..], (Half)source[i]);
                }

                break;
            case FloatDType.BF16:
                for (int i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], ToBFloat16(source[i]));
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Use FloatDType.F32, F16 or BF16.");
        }
    }

    /// <summary>
    /// The index of the first finite float that <paramref name="dtype"/> rounds to infinity (beyond F16's ±65504, or the
    /// last half-step of float's range in BF16), or -1 when every value keeps its magnitude.
    /// </summary>
    public static int FirstOverflow(ReadOnlySpan<float> source, FloatDType dtype)
    {
        if (dtype == FloatDType.F32)
        {
            return -1; // every float is itself: no pass over the values of the default saves
        }

        for (int i = 0; i < source.Length; i++)
        {
            float value = source[i];
            float stored = dtype switch
            {
                FloatDType.F16 => (float)(Half)value,
                _ => BitConverter.Int32BitsToSingle(ToBFloat16(value) << 16),
            };
            if (float.IsFinite(value) && !float.IsFinite(stored))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The bfloat16 nearest to <paramref name="value"/>, ties to even; NaN becomes the quiet NaN 0x7FC0 (as c10::BFloat16).</summary>
    public static ushort ToBFloat16(float value)
    {
        if (float.IsNaN(value))
        {
            return 0x7FC0;
        }

        uint bits = BitConverter.SingleToUInt32Bits(value);
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
