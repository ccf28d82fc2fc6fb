using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticGrad.Kernels;

/// <summary>
/// The blocked loops of <see cref="Gemm"/> over one rectangle of C (a part of the output), after Goto and
/// van de Geijn / BLIS: for each <c>Nc</c> columns and each k block, pack the B panel; for each <c>Mc</c>
/// rows, pack the A block; then for each B micro-panel (kept in L1) run the microkernel down every A sliver
/// (streamed from L2).
/// </summary>
internal static unsafe class GemmDriver<TIsa>
    where TIsa : IGemmIsa
{
    /// <summary>Computes rows <c>[i0, i1)</c> × columns <c>[j0, j1)</c> of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(GemmJob* job, int i0, int i1, int j0, int j1)
    {
        int lanes = TIsa.Lanes;
        int mr = TIsa.Mr;
        int edge = mr / 3;
        int panel = 2 * lanes;
        int m = job->M, k = job->K, n = job->N;
        float* a = job->A;
        float* b = job->B;
        float* c = job->C;
        float* bias = job->Bias;
        bool transposeA = job->TransposeA, transposeB = job->TransposeB;
        int kBlock = GemmBlocking.KBlock(k);
        int mcMax = job->Mc, ncMax = job->Nc;
        GemmWorkspace workspace = GemmWorkspace.For(mcMax, ncMax);
        float* bPack = workspace.B;
        float* aPack = workspace.A;
        float* park = workspace.Park;
        int epilogue = job->HasEpilogue ? GemmTile.Epilogue : 0;
        Activation activation = job->Activation;
        bool accumulateOutput = job->AccumulateOutput;

        for (int jc = j0; jc < j1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, j1 - jc);
            for (int pc = 0; pc < k; pc += kBlock)
            {
                int kc = Math.Min(kBlock, k - pc);
                int flags = (pc == 0 && !accumulateOutput ? 0 : GemmTile.Accumulate) | (pc + kc == k ? epilogue : 0);

                // B panel: columns jc .. jc+nc of rows pc .. pc+kc, in micro-panels of 2 vectors (1 at the end).
                for (int jr = 0; jr < nc; jr += panel)
                {
                    int cols = Math.Min(panel, nc - jr);
                    int width = cols > lanes ? panel : lanes;
                    float* destination = bPack + ((nint)jr * kc);
                    if (transposeB)
                    {
                        TIsa.PackTransposed(b + ((nint)(jc + jr) * k) + pc, k, cols, kc, destination, width);
                    }
                    else
                    {
                        TIsa.PackRows(b + ((nint)pc * n) + jc + jr, n, cols, kc, destination, width);
                    }
                }

                for (int ic = i0; ic < i1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, i1 - ic);

                    // A block: rows ic .. ic+mc in slivers of mr rows (the last rounded up to a third of mr).
                    if (transposeA)
                    {
                        TIsa.PackRowsBlock(a + ((nint)pc * m) + ic, m, mc, kc, aPack);
                    }
                    else
                    {
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            int height = rows == mr ? mr : ((rows + edge - 1) / edge) * edge;
                            TIsa.PackTransposed(a + ((nint)(ic + ir) * k) + pc, k, rows, kc, aPack + ((nint)ir * kc), height);
                        }
                    }

                    for (int jr = 0; jr < nc; jr += panel)
                    {
                        int cols = Math.Min(panel, nc - jr);
                        int vectors = cols > lanes ? 2 : 1;
                        float* bPanel = bPack + ((nint)jr * kc);
                        float* cColumn = c + jc + jr;
                        float* biasColumn = bias + jc + jr;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            int height = rows == mr ? mr : ((rows + edge - 1) / edge) * edge;
                            float* cTile = cColumn + ((nint)(ic + ir) * n);
                            if (!TIsa.Tile(height, vectors, kc, aPack + ((nint)ir * kc), bPanel, cTile, n, rows, cols, flags, park))
                            {
                                TIsa.Finish(vectors, park, cTile, n, rows, cols, flags, biasColumn, activation);
                            }
                        }
                    }
                }
            }
        }
    }
}
