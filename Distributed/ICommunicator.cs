using System;

namespace StaticGrad.Distributed;

/// <summary>
/// The collective operations data-parallel training needs, over a fixed group of ranks (processes or, in
/// tests, threads). Every rank must call the same collectives in the same order with the same lengths; a
/// collective returns on a rank once that rank's part is done.
/// </summary>
/// <remarks>
/// Implementations: <see cref="MpiCommunicator"/> (Open MPI, one rank per process) and
/// <see cref="InProcessCommunicator"/> (threads as ranks, for tests). Sums of floats are reduced in an order
/// fixed by the implementation and the rank count, so a run repeated at the same rank count is bit-identical,
/// and every rank receives the same bits.
/// </remarks>
public interface ICommunicator : IDisposable
{
    /// <summary>This rank's index in [0, <see cref="Size"/>).</summary>
    int Rank { get; }

    /// <summary>The number of ranks.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank by their element-wise sum over all ranks.</summary>
    /// <param name="values">The same length on every rank.</param>
    void AllReduceSum(Span<float> values);

    /// <summary>
    /// Replaces <paramref name="values"/> on every rank by their element-wise sum over all ranks, exactly: integer sums
    /// do not depend on the order of the additions, so the result does not depend on the rank count either.
    /// </summary>
    /// <param name="values">The same length on every rank; the sums must not overflow.</param>
    void AllReduceSum(Span<long> values);

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> to every other rank.</summary>
    /// <param name="values">The same length on every rank; read on the root, overwritten elsewhere.</param>
    /// <param name="root">The rank that sends.</param>
    void Broadcast(Span<float> values, int root);

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> to every other rank.</summary>
    /// <param name="values">The same length on every rank; read on the root, overwritten elsewhere.</param>
    /// <param name="root">The rank that sends.</param>
    void Broadcast(Span<byte> values, int root);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();

    /// <summary>
    /// Ends the whole job from any rank: every rank stops (MPI: the processes are killed and <c>mpirun</c> exits
    /// with <paramref name="errorCode"/>; in-process: the other ranks' pending and later collectives throw
    /// <see cref="CommunicatorAbortedException"/>).
    /// </summary>
    /// <param name="errorCode">The exit code reported for the job; non-zero.</param>
    void Abort(int errorCode);
}
