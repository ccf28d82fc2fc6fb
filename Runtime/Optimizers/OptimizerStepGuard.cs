using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;

namespace StaticGrad;

/// <summary>
/// One <see cref="IOptimizer.Step"/> at a time per optimizer: a step reads and writes every parameter and state buffer,
/// so two threads stepping one optimizer lose or interleave updates. The second thread gets an exception instead.
/// </summary>
internal static class OptimizerStepGuard
{
    /// <summary>Marks a step as running, or throws when one already is.</summary>
    /// <param name="running">The optimizer's flag: 0 when no step runs, 1 while one does.</param>
    /// <param name="optimizer">The optimizer, whose type the exception names (only then: <c>GetType().Name</c> can allocate once the runtime has dropped its type cache, and a step allocates nothing).</param>
    /// <exception cref="InvalidOperationException">Another thread is inside a step of the same optimizer.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Enter(ref int running, IOptimizer optimizer)
    {
        if (Interlocked.Exchange(ref running, 1) != 0)
        {
            ThrowConcurrentStep(optimizer);
        }
    }

    /// <summary>Clears the flag when the step ends, normally or by an exception.</summary>
    /// <param name="running">The optimizer's flag.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Exit(ref int running) => Volatile.Write(ref running, 0);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowConcurrentStep(IOptimizer optimizer)
        => throw new InvalidOperationException(
            $"Step started on this {optimizer.GetType().Name} while another thread was inside Step on the same instance; an optimizer steps on one thread at a time (its parameters and state are updated in place).");
}
