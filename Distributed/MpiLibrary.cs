using System;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace StaticGrad.Distributed;

/// <summary>
/// The Open MPI C functions and handles this package uses, resolved at run time from <c>libmpi.so.40</c> (or
/// <c>libmpi.so</c>): no link-time dependency, no marshalling, so it works under NativeAOT and trimming.
/// </summary>
/// <remarks>
/// Open MPI's <c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, <c>MPI_SUM</c> etc. are macros for the addresses of exported
/// globals (<c>ompi_mpi_comm_world</c>, <c>ompi_mpi_float</c>, <c>ompi_mpi_op_sum</c>), read here with
/// <see cref="NativeLibrary.GetExport"/>; <c>MPI_IN_PLACE</c> is <c>(void*)1</c>. This binds to Open MPI's ABI only
/// (MPICH uses integer handles).
/// </remarks>
internal sealed unsafe class MpiLibrary
{
    /// <summary>The names tried, in order, unless <see cref="PathVariable"/> names a file.</summary>
    internal static readonly string[] LibraryNames = ["libmpi.so.40", "libmpi.so"];

    /// <summary>The environment variable that names the Open MPI library to load instead (a path or a file name).</summary>
    internal const string PathVariable = "STATICGRAD_MPI_LIBRARY";

    private const int Success = 0;
    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;
    private static readonly nint s_inPlace = 1;
    private static MpiLibrary? s_loaded;
    private static readonly object s_lock = new();

    private readonly delegate* unmanaged<int*, int> _initialized;
    private readonly delegate* unmanaged<int*, int> _finalized;
    private readonly delegate* unmanaged<int*, byte***, int> _init;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<nint, int*, int> _commRank;
    private readonly delegate* unmanaged<nint, int*, int> _commSize;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private readonly delegate* unmanaged<int, byte*, int*, int> _errorString;

    private MpiLibrary(nint handle, string name)
    {
        Name = name;
        _initialized = (delegate* unmanaged<int*, int>)Export(handle, "MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)Export(handle, "MPI_Finalized");
        _init = (delegate* unmanaged<int*, byte***, int>)Export(handle, "MPI_Init");
        _finalize = (delegate* unmanaged<int>)Export(handle, "MPI_Finalize");
        _commRank = (delegate* unmanaged<nint, int*, int>)Export(handle, "MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)Export(handle, "MPI_Comm_size");
        _allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export(handle, "MPI_Allreduce");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export(handle, "MPI_Bcast");
        _barrier = (delegate* unmanaged<nint, int>)Export(handle, "MPI_Barrier");
        _abort = (delegate* unmanaged<nint, int, int>)Export(handle, "MPI_Abort");
        _errorString = (delegate* unmanaged<int, byte*, int*, int>)Export(handle, "MPI_Error_string");
        CommWorld = Export(handle, "ompi_mpi_comm_world");
        Float = Export(handle, "ompi_mpi_float");
        Byte = Export(handle, "ompi_mpi_byte");
        Int64 = Export(handle, "ompi_mpi_int64_t");
        Sum = Export(handle, "ompi_mpi_op_sum");
    }

    /// <summary>The file that was loaded.</summary>
    public string Name { get; }

    /// <summary><c>MPI_COMM_WORLD</c>.</summary>
    public nint CommWorld { get; }

    /// <summary><c>MPI_FLOAT</c>.</summary>
    public nint Float { get; }

    /// <summary><c>MPI_BYTE</c>.</summary>
    public nint Byte { get; }

    /// <summary><c>MPI_INT64_T</c>.</summary>
    public nint Int64 { get; }

    /// <summary><c>MPI_SUM</c>.</summary>
    public nint Sum { get; }

    /// <summary>Loads Open MPI once per process: the library named by <c>STATICGRAD_MPI_LIBRARY</c> if set, else <c>libmpi.so.40</c> or <c>libmpi.so</c>.</summary>
    /// <exception cref="DllNotFoundException">No Open MPI library could be loaded; the message names the files tried and how to install them.</exception>
    /// <exception cref="EntryPointNotFoundException">The library is not Open MPI (a symbol is missing).</exception>
    public static MpiLibrary Load()
    {
        lock (s_lock)
        {
            return s_loaded ??= Load(Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path ? [path] : LibraryNames);
        }
    }

    /// <summary>Loads the first of <paramref name="names"/> that exists, uncached (tests pass names that do not exist).</summary>
    internal static MpiLibrary Load(string[] names)
    {
        foreach (string name in names)
        {
            if (NativeLibrary.TryLoad(name, out nint handle))
            {
                // Open MPI's plugins (dlopen'ed by MPI_Init) resolve symbols of libmpi itself; make them global.
                PromoteToGlobal(name);
                return new MpiLibrary(handle, name);
            }
        }

        throw new DllNotFoundException(
            $"Open MPI was not found: could not load {string.Join(" or ", names)}. Install it (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) " +
            "or add its lib directory to LD_LIBRARY_PATH, and start the program with mpirun. Tests can use InProcessCommunicator instead.");
    }

    public bool IsInitialized()
    {
        int flag;
        Check(_initialized(&flag), "MPI_Initialized");
        return flag != 0;
    }

    public bool IsFinalized()
    {
        int flag;
        Check(_finalized(&flag), "MPI_Finalized");
        return flag != 0;
    }

    public void Init() => Check(_init(null, null), "MPI_Init");

    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");

    public int CommRank()
    {
        int rank;
        Check(_commRank(CommWorld, &rank), "MPI_Comm_rank");
        return rank;
    }

    public int CommSize()
    {
        int size;
        Check(_commSize(CommWorld, &size), "MPI_Comm_size");
        return size;
    }

    public void AllReduceSumInPlace(void* values, int count, nint type) => Check(_allreduce((void*)s_inPlace, values, count, type, Sum, CommWorld), "MPI_Allreduce");

    public void Broadcast(void* buffer, int count, nint type, int root) => Check(_bcast(buffer, count, type, root, CommWorld), "MPI_Bcast");

    public void Barrier() => Check(_barrier(CommWorld), "MPI_Barrier");

    public void Abort(int errorCode) => _abort(CommWorld, errorCode);

    private void Check(int code, string function)
    {
        if (code != Success)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{function} failed with error {code}: {ErrorString(code)}"));
        }
    }

    private string ErrorString(int code)
    {
        byte* text = stackalloc byte[512]; // MPI_MAX_ERROR_STRING is 256 in Open MPI
        int length = 0;
        return _errorString(code, text, &length) == Success ? Encoding.UTF8.GetString(text, Math.Clamp(length, 0, 512)) : "(no description)";
    }

    private static nint Export(nint handle, string symbol) => NativeLibrary.TryGetExport(handle, symbol, out nint address)
        ? address
        : throw new EntryPointNotFoundException($"The MPI library has no symbol '{symbol}'; StaticGrad.Distributed needs Open MPI ({string.Join(" or ", LibraryNames)}), not another MPI.");

    private static void PromoteToGlobal(string name)
    {
        if (NativeLibrary.TryLoad("libc.so.6", out nint libc) && NativeLibrary.TryGetExport(libc, "dlopen", out nint dlopen))
        {
            byte[] bytes = Encoding.UTF8.GetBytes(name + "\0");
            fixed (byte* p = bytes)
            {
                ((delegate* unmanaged<byte*, int, nint>)dlopen)(p, RtldNow | RtldGlobal);
            }
        }
    }
}
