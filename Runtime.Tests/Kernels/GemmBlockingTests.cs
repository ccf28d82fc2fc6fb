using System;
using System.IO;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The GEMM cache blocking: its derivation from cache sizes (a pure function, checked for the AMD Zen 5 and the
/// Intel Xeon geometries and for the fallback), the readers of sysfs and CPUID descriptors, and the property that
/// lets the blocking follow the machine at all: every blocking gives the same bits.
/// </summary>
/// <remarks>
/// In a collection of its own that runs alone: its larger blockings grow the pool workers' packing buffers (megabytes),
/// which the zero-allocation tests running meanwhile would count as their workers' allocations (a LeNet-5 step on one
/// thread failed that way in a CI run, 2.3 MB in each window).
/// </remarks>
[Collection(nameof(WorkerBufferGrowth))]
public sealed class GemmBlockingTests
{
    private const long K = 1024, M = 1024 * 1024;

    [Fact]
    public void AmdZen5_AsThisVmReportsIt_KeepsTheTunedBlocking()
    {
        // 48 KB L1d, 1 MB L2, the socket's 508 MB L3 with no sharing count (CPUID 0x80000005/6 under KVM).
        GemmBlocking blocking = GemmBlocking.Derive(new CpuCaches(48 * K, 1 * M, 508 * M, 0, "test"), lanes: 16);
        Assert.Equal(new GemmBlocking(252, 2048), blocking);
    }

    [Fact]
    public void AmdZen5_WithTheCcdsL3SharedBySixteen()
    {
        GemmBlocking blocking = GemmBlocking.Derive(new CpuCaches(48 * K, 1 * M, 32 * M, 16, "test"), lanes: 16);
        Assert.Equal(new GemmBlocking(252, 2048), blocking);
    }

    [Fact]
    public void IntelXeon_TwoMegabyteL2_DoublesTheABlock()
    {
        // Sapphire/Emerald Rapids: 48 KB L1d, 2 MB L2, 105 MB of L3 for 112 logical CPUs (or a VM's 2).
        Assert.Equal(new GemmBlocking(504, 1536), GemmBlocking.Derive(new CpuCaches(48 * K, 2 * M, 105 * M, 112, "test"), lanes: 16));
        Assert.Equal(new GemmBlocking(504, 2048), GemmBlocking.Derive(new CpuCaches(48 * K, 2 * M, 105 * M, 2, "test"), lanes: 16));
    }

    [Fact]
    public void NothingReadable_GivesTheFallback()
    {
        Assert.Equal(GemmBlocking.Fallback, GemmBlocking.Derive(CpuCaches.Unknown, lanes: 16));
        Assert.Equal(GemmBlocking.Fallback, GemmBlocking.Derive(0, 0, 0, 8));
        Assert.Equal(new GemmBlocking(240, 2048), GemmBlocking.Fallback);
    }

    [Fact]
    public void SmallAndHugeCaches_StayWithinTheBounds()
    {
        // A 256 KB L2 and no L3 (an old or embedded core): a 60-row A block, the smallest B panel.
        Assert.Equal(new GemmBlocking(60, 512), GemmBlocking.Derive(32 * K, 256 * K, 0, 8));
        GemmBlocking huge = GemmBlocking.Derive(64 * K, 64 * M, 1024 * M, 16);
        Assert.Equal(GemmBlocking.MaxMc, huge.Mc);
        Assert.Equal(GemmBlocking.MaxNc, huge.Nc);
        GemmBlocking tiny = GemmBlocking.Derive(16 * K, 16 * K, 0, 4);
        Assert.Equal(GemmBlocking.MinMc, tiny.Mc);
        Assert.Equal(GemmBlocking.MinNc, tiny.Nc);
    }

    [Fact]
    public void EveryDerivedBlocking_IsWholeSliversAndPanels()
    {
        for (long l2 = 64 * K; l2 <= 8 * M; l2 += 96 * K)
        {
            foreach (long l3 in new[] { 0L, 512 * K, 3 * M, 40 * M })
            {
                GemmBlocking b = GemmBlocking.Derive(48 * K, l2, l3, 16);
                Assert.True(b.Mc % 12 == 0 && b.Mc >= GemmBlocking.MinMc && b.Mc <= GemmBlocking.MaxMc, b.ToString());
                Assert.True(b.Nc % 256 == 0 && b.Nc >= GemmBlocking.MinNc && b.Nc <= GemmBlocking.MaxNc, b.ToString());
            }
        }
    }

    [Fact]
    public void KBlock_DependsOnKOnly_AndIsAtMostKcMax()
    {
        Assert.Equal(256, GemmBlocking.KBlock(1024));
        Assert.Equal(208, GemmBlocking.KBlock(784)); // 4 blocks of 196, rounded to 208
        Assert.Equal(10, GemmBlocking.KBlock(10));
        Assert.Equal(256, GemmBlocking.KBlock(256));
        Assert.Equal(144, GemmBlocking.KBlock(257));
    }

    [Theory]
    [InlineData("48K", 48 * K)]
    [InlineData("2048K", 2 * M)]
    [InlineData("32M", 32 * M)]
    [InlineData("1024", 1024L)]
    [InlineData(" 1M\n", 1 * M)]
    [InlineData("", 0L)]
    [InlineData("abc", 0L)]
    [InlineData("-4K", 0L)]
    [InlineData(null, 0L)]
    public void ParseSize_ReadsSysfsSizes(string? text, long expected) => Assert.Equal(expected, CpuCaches.ParseSize(text));

    [Theory]
    [InlineData("0-1", 2)]
    [InlineData("0", 1)]
    [InlineData("0-7,16-23", 16)]
    [InlineData("", 0)]
    [InlineData("x", 0)]
    public void CountCpus_ReadsCpuLists(string list, int expected) => Assert.Equal(expected, CpuCaches.CountCpus(list));

    [Fact]
    public void CpuidDescriptor_IsWaysTimesPartitionsTimesLineTimesSets()
    {
        // Zen 5's L1d: 12 ways, 1 partition, 64-byte lines, 64 sets = 48 KB; its L2: 16 ways, 1024 sets = 1 MB.
        Assert.Equal(48 * K, CpuCaches.CpuidCacheBytes(((12 - 1) << 22) | (63), 64 - 1));
        Assert.Equal(1 * M, CpuCaches.CpuidCacheBytes(((16 - 1) << 22) | (63), 1024 - 1));
        // Intel's 2 MB L2: 16 ways, 2048 sets.
        Assert.Equal(2 * M, CpuCaches.CpuidCacheBytes(((16 - 1) << 22) | (63), 2048 - 1));
    }

    [Fact]
    public void Sysfs_IntelGeometry_IsRead_AndTheInstructionCacheIgnored()
    {
        string root = Path.Combine(Path.GetTempPath(), "staticgrad-sysfs-" + Guid.NewGuid().ToString("N"));
        try
        {
            WriteIndex(root, 0, "1", "Data", "48K", "0");
            WriteIndex(root, 1, "1", "Instruction", "32K", "0");
            WriteIndex(root, 2, "2", "Unified", "2048K", "0");
            WriteIndex(root, 3, "3", "Unified", "107520K", "0-1");
            CpuCaches caches = CpuCaches.FromSysfs(root);
            Assert.Equal(new CpuCaches(48 * K, 2 * M, 105 * M, 2, "sysfs"), caches);
            Assert.Equal(new GemmBlocking(504, 2048), GemmBlocking.Derive(caches, 16));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Sysfs_MissingOrEmpty_IsUnknown()
    {
        Assert.Equal(CpuCaches.Unknown, CpuCaches.FromSysfs("/nonexistent/staticgrad/cache"));
        string root = Path.Combine(Path.GetTempPath(), "staticgrad-sysfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "index0"));
        try
        {
            Assert.Equal(CpuCaches.Unknown, CpuCaches.FromSysfs(root));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void ThisMachine_ReportsSomething_OrFallsBack()
    {
        CpuCaches caches = CpuCaches.Detect();
        GemmBlocking blocking = GemmBlocking.Derive(caches, 16);
        Assert.True(blocking.Mc >= GemmBlocking.MinMc && blocking.Nc >= GemmBlocking.MinNc);
        Assert.Contains("Mc", Gemm.Blocking, StringComparison.Ordinal);
    }

    public static TheoryData<GemmTests.Form> Forms() => new(Enum.GetValues<GemmTests.Form>());

    [Theory]
    [MemberData(nameof(Forms))]
    public void EveryBlocking_GivesTheSameBits(GemmTests.Form form)
    {
        // Several A blocks and B panels under the small blockings, one under the large; k spans 3 k blocks.
        const int m = 301, k = 700, n = 1100;
        float[] a = KernelReference.Random(m * k, seed: 31);
        float[] b = KernelReference.Random(k * n, seed: 32);
        foreach (GemmIsa isa in GemmShapeTests.SupportedIsas())
        {
            float[]? reference = null;
            foreach (GemmBlocking blocking in new[] { GemmBlocking.Fallback, new GemmBlocking(12, 256), new GemmBlocking(36, 512), new GemmBlocking(504, 2048), new GemmBlocking(1020, 4096) })
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    float[] c = new float[m * n];
                    using (GemmBlocking.Override(blocking))
                    using (Partition.Override(threads, splitAlways: threads > 1))
                    {
                        GemmIsaSelector.Override(isa);
                        try
                        {
                            GemmShapeTests.Multiply(form, a, b, c, m, k, n);
                        }
                        finally
                        {
                            GemmIsaSelector.Override(null);
                        }
                    }

                    if (reference is null)
                    {
                        reference = c;
                    }
                    else
                    {
                        GemmShapeTests.AssertSameBits(reference, c, $"{isa} {form} blocking {blocking}, {threads} threads");
                    }
                }
            }
        }
    }

    private static void WriteIndex(string root, int index, string level, string type, string size, string shared)
    {
        string dir = Path.Combine(root, "index" + index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "level"), level + "\n");
        File.WriteAllText(Path.Combine(dir, "type"), type + "\n");
        File.WriteAllText(Path.Combine(dir, "size"), size + "\n");
        File.WriteAllText(Path.Combine(dir, "shared_cpu_list"), shared + "\n");
    }
}

/// <summary>Tests that grow the pool workers' buffers, run apart from the others (<see cref="AllocationAssert"/> counts every worker's allocations).</summary>
[CollectionDefinition(nameof(WorkerBufferGrowth), DisableParallelization = true)]
public sealed class WorkerBufferGrowth
{
}
