using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// One optimizer's elementwise update, written once against <see cref="ISimdOps{TVec}"/> and run by
/// <see cref="OptimizerKernels.Update{TKernel, TCoefficients}"/> at the widest accelerated width, then for the scalar tail.
/// </summary>
/// <typeparam name="TCoefficients">The float coefficients of one step.</typeparam>
internal interface IUpdateKernel<TCoefficients>
    where TCoefficients : unmanaged
{
    /// <summary>
    /// Updates whole <typeparamref name="TVec"/>s of elements from <paramref name="start"/> while they fit before
    /// <paramref name="end"/>; the state buffers the kernel does not use may alias any other buffer.
    /// </summary>
    /// <returns>The first element not updated.</returns>
    static abstract nuint Update<TOps, TVec>(
        ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, nuint start, nuint end, in TCoefficients s)
        where TOps : ISimdOps<TVec>
        where TVec : struct;
}
