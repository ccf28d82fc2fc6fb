using System;
using System.Globalization;
using System.IO;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The data cache sizes of one core, in bytes, as the machine reports them (0 = unknown), and where they came from.
/// <see cref="Detect"/> reads Linux's sysfs first, then CPUID (leaf 4 on Intel, leaf 0x8000001D on AMD and Hygon).
/// </summary>
/// <param name="L1Data">The level-1 data cache of one core.</param>
/// <param name="L2">The level-2 cache (data or unified) of one core.</param>
/// <param name="L3">The level-3 cache as reported (the whole cache, shared by <paramref name="L3SharedBy"/> logical CPUs).</param>
/// <param name="L3SharedBy">Logical CPUs sharing the L3; 0 when unknown.</param>
/// <param name="Source">
/// Where the sizes came from: <c>"sysfs"</c>, <c>"cpuid 4"</c>, <c>"cpuid 0x8000001D"</c>, <c>"cpuid 0x80000005/6"</c> or <c>"none"</c>.
/// </param>
internal readonly record struct CpuCaches(long L1Data, long L2, long L3, int L3SharedBy, string Source)
{
    /// <summary>Nothing readable.</summary>
    public static CpuCaches Unknown => new(0, 0, 0, 0, "none");

    /// <summary>The caches of this machine, read once.</summary>
    public static CpuCaches Current { get; } = Detect();

    /// <summary>Reads sysfs, then CPUID; <see cref="Unknown"/> when neither says anything.</summary>
    public static CpuCaches Detect()
    {
        CpuCaches caches = FromSysfs("/sys/devices/system/cpu/cpu0/cache");
        if (caches.L1Data > 0 || caches.L2 > 0)
        {
            return caches;
        }

        caches = FromCpuid();
        return caches.L1Data > 0 || caches.L2 > 0 ? caches : Unknown;
    }

    /// <summary>
    /// Reads <c>index*/{level,type,size,shared_cpu_list}</c> under <paramref name="directory"/> (a
    /// <c>/sys/devices/system/cpu/cpuN/cache</c>); <see cref="Unknown"/> if it is missing or unreadable.
    /// </summary>
    public static CpuCaches FromSysfs(string directory)
    {
        try
        {
            if (!Directory.Exists(directory))
            {
                return Unknown;
            }

            long l1 = 0, l2 = 0, l3 = 0;
            int shared = 0;
            foreach (string index in Directory.GetDirectories(directory, "index*"))
            {
                string? level = ReadLine(Path.Combine(index, "level"));
                string? type = ReadLine(Path.Combine(index, "type"));
                long size = ParseSize(ReadLine(Path.Combine(index, "size")));
                if (level is null || type is null || size <= 0 || type == "Instruction")
                {
                    continue;
                }

                switch (level)
                {
                    case "1":
                        l1 = size;
                        break;
                    case "2":
                        l2 = size;
                        break;
                    case "3":
                        l3 = size;
                        shared = CountCpus(ReadLine(Path.Combine(index, "shared_cpu_list")));
                        break;
                }
            }

            return l1 > 0 || l2 > 0 ? new CpuCaches(l1, l2, l3, l3 > 0 ? shared : 0, "sysfs") : Unknown;
        }
        catch (IOException)
        {
            return Unknown;
        }
        catch (UnauthorizedAccessException)
        {
            return Unknown;
        }
    }

    /// <summary>
    /// Parses a sysfs size such as <c>"48K"</c>, <c>"2048K"</c>, <c>"32M"</c> or <c>"1024"</c> (bytes); 0 if it is not one.
    /// </summary>
    public static long ParseSize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return 0;
        }

        text = text.Trim();
        long unit = 1;
        char last = char.ToUpperInvariant(text[^1]);
        if (last is 'K' or 'M' or 'G')
        {
            unit = last == 'K' ? 1L << 10 : last == 'M' ? 1L << 20 : 1L << 30;
            text = text[..^1];
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value > 0 ? value * unit : 0;
    }

    /// <summary>Counts the CPUs of a list such as <c>"0-7,16-23"</c>; 0 (unknown) when it is empty or malformed.</summary>
    public static int CountCpus(string? list)
    {
        if (string.IsNullOrWhiteSpace(list))
        {
            return 0;
        }

        int count = 0;
        foreach (string range in list.Trim().Split(','))
        {
            string[] ends = range.Split('-');
            if (!int.TryParse(ends[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first))
            {
                return 0;
            }

            int lastCpu = first;
            if (ends.Length > 1 && !int.TryParse(ends[1], NumberStyles.None, CultureInfo.InvariantCulture, out lastCpu))
            {
                return 0;
            }

            count += Math.Max(1, lastCpu - first + 1);
        }

        return count;
    }

    /// <summary>
    /// Reads the deterministic cache parameters of CPUID (leaf 4 on Intel, 0x8000001D on AMD/Hygon with topology
    /// extensions); <see cref="Unknown"/> on other vendors, other architectures or when the leaf is absent.
    /// </summary>
    public static CpuCaches FromCpuid()
    {
        if (!X86Base.IsSupported)
        {
            return Unknown;
        }

        (int maxLeaf, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        bool intel = ebx == 0x756E6547 && edx == 0x49656E69 && ecx == 0x6C65746E; // "GenuineIntel"
        bool amd = (ebx == 0x68747541 && edx == 0x69746E65 && ecx == 0x444D4163) // "AuthenticAMD"
            || (ebx == 0x6F677948 && edx == 0x6E65476E && ecx == 0x656E6975); // "HygonGenuine"
        int leaf;
        string source;
        if (intel && maxLeaf >= 4)
        {
            leaf = 4;
            source = "cpuid 4";
        }
        else if (amd && (uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax >= 0x8000001D
            && (X86Base.CpuId(unchecked((int)0x80000001), 0).Ecx & (1 << 22)) != 0)
        {
            leaf = unchecked((int)0x8000001D);
            source = "cpuid 0x8000001D";
        }
        else if (amd)
        {
            return FromAmdLegacyLeaves();
        }
        else
        {
            return Unknown;
        }

        long l1 = 0, l2 = 0, l3 = 0;
        int shared = 0;
        for (int sub = 0; sub < 16; sub++)
        {
            (int eax, int b, int c, _) = X86Base.CpuId(leaf, sub);
            int type = eax & 0x1F;
            if (type == 0)
            {
                break;
            }

            long size = CpuidCacheBytes(b, c);
            switch ((eax >> 5) & 0x7)
            {
                case 1 when type != 2:
                    l1 = size;
                    break;
                case 2 when type != 2:
                    l2 = size;
                    break;
                case 3 when type != 2:
                    l3 = size;
                    shared = ((eax >> 14) & 0xFFF) + 1;
                    break;
            }
        }

        return new CpuCaches(l1, l2, l3, shared, source);
    }

    /// <summary>
    /// AMD's older leaves, which hypervisors that hide leaf 0x8000001D still pass through: 0x80000005 (L1d in KB,
    /// ECX[31:24]) and 0x80000006 (L2 in KB, ECX[31:16]; L3 in 512 KB units, EDX[31:18]). They do not say how many
    /// CPUs share the L3, so <see cref="L3SharedBy"/> is 0 (unknown) and the blocking ignores the L3.
    /// </summary>
    private static CpuCaches FromAmdLegacyLeaves()
    {
        uint maxExtended = (uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax;
        if (maxExtended < 0x80000006)
        {
            return Unknown;
        }

        uint l1 = (uint)X86Base.CpuId(unchecked((int)0x80000005), 0).Ecx;
        (_, _, int ecx, int edx) = X86Base.CpuId(unchecked((int)0x80000006), 0);
        return new CpuCaches(
            (long)(l1 >> 24) << 10,
            (long)((uint)ecx >> 16) << 10,
            (long)((uint)edx >> 18) << 19,
            0,
            "cpuid 0x80000005/6");
    }

    /// <summary>The size CPUID's cache descriptor gives: ways × partitions × line size × sets (from EBX and ECX).</summary>
    public static long CpuidCacheBytes(int ebx, int ecx)
    {
        long ways = ((ebx >> 22) & 0x3FF) + 1;
        long partitions = ((ebx >> 12) & 0x3FF) + 1;
        long line = (ebx & 0xFFF) + 1;
        long sets = (uint)ecx + 1L;
        return ways * partitions * line * sets;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"L1d {L1Data >> 10} KB, L2 {L2 >> 10} KB, L3 {L3 >> 10} KB shared by {(L3SharedBy > 0 ? L3SharedBy.ToString(CultureInfo.InvariantCulture) : "?")} ({Source})");

    private static string? ReadLine(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;
}
