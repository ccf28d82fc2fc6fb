using System;

namespace StaticGrad.Distributed;

/// <summary>
/// An <see cref="ICommunicator"/> over Open MPI's <c>MPI_COMM_WORLD</c>: one rank per process, started by
/// <c>mpirun -np N</c>. Open MPI is loaded at run time (<c>libmpi.so.40</c>, else <c>libmpi.so</c>; the environment
/// variable <c>STATICGRAD_MPI_LIBRARY</c> names another file).
/// </summary>
/// <remarks>
/// MPI's default error handler is kept (<c>MPI_ERRORS_ARE_FATAL</c>), and <c>mpirun</c> kills the whole job when a
/// rank dies, so a failed rank ends the job instead of leaving the others waiting in a collective. Create one
/// instance per process, use it from one thread, and dispose it at the end (<c>MPI_Finalize</c>).
/// </remarks>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    private readonly MpiLibrary _mpi;
    private readonly bool _ownsInit;
    private bool _disposed;

    private MpiCommunicator(MpiLibrary mpi, bool ownsInit)
    {
        _mpi = mpi;
        _ownsInit = ownsInit;
        Rank = mpi.CommRank();
        Size = mpi.CommSize();
    }

    /// <summary>Loads Open MPI and initializes it (<c>MPI_Init</c>) unless the process already did.</summary>
    /// <returns>The communicator of all ranks of the job.</returns>
    /// <exception cref="DllNotFoundException">Open MPI is not installed; the message names the libraries tried.</exception>
    /// <exception cref="InvalidOperationException">MPI was already finalized in this process, or an MPI call failed.</exception>
    public static MpiCommunicator Initialize()
    {
        MpiLibrary mpi = MpiLibrary.Load();
        if (mpi.IsFinalized())
        {
            throw new InvalidOperationException("MPI was already finalized in this process; it cannot be initialized again.");
        }

        bool ownsInit = !mpi.IsInitialized();
        if (ownsInit)
        {
            mpi.Init();
        }

        return new MpiCommunicator(mpi, ownsInit);
    }

    /// <summary>
    /// The number of processes <c>mpirun</c> started (<c>OMPI_COMM_WORLD_SIZE</c>), read from the environment without
    /// loading MPI; 0 when the process was not started by Open MPI's <c>mpirun</c>.
    /// </summary>
    public static int LaunchedSize =>
        int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int size) ? size : 0;

    /// <summary>
    /// Ranks that share a machine share its cores: sets <see cref="Parallelism.MaxThreads"/> to the cores this process
    /// may use divided by the ranks <c>mpirun</c> started on this host (<c>OMPI_COMM_WORLD_LOCAL_SIZE</c>), at least 1,
    /// unless <c>STATICGRAD_THREADS</c> chose the thread count. Results never depend on the thread count.
    /// </summary>
    /// <returns>Whether the thread count changed.</returns>
    public static bool ShareCoresWithLocalRanks()
    {
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("STATICGRAD_THREADS"))
            || !int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int local)
            || local <= 1)
        {
            return false;
        }

        Parallelism.MaxThreads = Math.Max(1, Environment.ProcessorCount / local);
        return true;
    }

    /// <summary>Whether this process looks like it was started by <c>mpirun</c> (Open MPI or PMIx environment variables).</summary>
    public static bool IsLaunchedByMpirun =>
        Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null || Environment.GetEnvironmentVariable("PMIX_RANK") is not null;

    /// <summary>The MPI library file that was loaded.</summary>
    public string LibraryName => _mpi.Name;

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> values)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        fixed (float* p = values)
        {
            _mpi.AllReduceSumInPlace(p, values.Length, _mpi.Float);
        }
    }

    /// <inheritdoc/>
    public void AllReduceSum(Span<long> values)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        fixed (long* p = values)
        {
            _mpi.AllReduceSumInPlace(p, values.Length, _mpi.Int64);
        }
    }

    /// <inheritdoc/>
    public void Broadcast(Span<float> values, int root)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckRoot(root);
        fixed (float* p = values)
        {
            _mpi.Broadcast(p, values.Length, _mpi.Float, root);
        }
    }

    /// <inheritdoc/>
    public void Broadcast(Span<byte> values, int root)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckRoot(root);
        fixed (byte* p = values)
        {
            _mpi.Broadcast(p, values.Length, _mpi.Byte, root);
        }
    }

    /// <inheritdoc/>
    public void Barrier()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _mpi.Barrier();
    }

    /// <inheritdoc/>
    public void Abort(int errorCode) => _mpi.Abort(errorCode == 0 ? 1 : errorCode);

    /// <summary>Finalizes MPI (<c>MPI_Finalize</c>) if this instance initialized it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsInit && !_mpi.IsFinalized())
        {
            _mpi.FinalizeMpi();
        }
    }

    private void CheckRoot(int root) => ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)root, (uint)Size, nameof(root));
}
