using System.Runtime.CompilerServices;

namespace StaticGrad.Kernels;

/// <summary>
/// One activation's forward function and its derivative, expressed from the activation's output
/// (which is what a training step keeps). Implemented by structs so kernels specialize per activation.
/// </summary>
internal interface IActivationFunction
{
    /// <summary><c>f(x)</c>.</summary>
    static abstract TVec Forward<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct;

    /// <summary><c>gradient · f'(x)</c>, where <paramref name="output"/> is <c>y = f(x)</c>.</summary>
    static abstract TVec Backward<TOps, TVec>(TVec gradient, TVec output)
        where TOps : ISimdOps<TVec>
        where TVec : struct;
}

/// <summary>The identity: <c>f(x) = x</c>, <c>f' = 1</c>.</summary>
internal readonly struct IdentityFunction : IActivationFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Forward<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct => x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Backward<TOps, TVec>(TVec gradient, TVec output)
        where TOps : ISimdOps<TVec>
        where TVec : struct => gradient;
}

/// <summary>
/// <c>f(x) = max(0, x)</c> (NaN propagates, as in PyTorch); the gradient passes where <c>!(y &lt;= 0)</c>, as PyTorch's
/// <c>threshold_backward</c> selects it: an infinite gradient at a dead unit gives 0, not NaN, and a NaN output passes
/// the gradient.
/// </summary>
internal readonly struct ReLUFunction : IActivationFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Forward<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.Max(x, TOps.Broadcast(0f));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Backward<TOps, TVec>(TVec gradient, TVec output)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.ZeroWhereNotPositive(output, gradient);
}

/// <summary><c>f(x) = 1 / (1 + e^-x)</c>; <c>f' = y(1 - y)</c>.</summary>
internal readonly struct SigmoidFunction : IActivationFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Forward<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec one = TOps.Broadcast(1f);
        return TOps.Divide(one, TOps.Add(one, TOps.Exp(TOps.Subtract(TOps.Broadcast(0f), x))));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Backward<TOps, TVec>(TVec gradient, TVec output)
        where TOps : ISimdOps<TVec>
        where TVec : struct =>
        TOps.Multiply(TOps.Multiply(gradient, TOps.Subtract(TOps.Broadcast(1f), output)), output);
}

/// <summary><c>f(x) = tanh(x)</c>; <c>f' = 1 - y²</c>.</summary>
internal readonly struct TanhFunction : IActivationFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Forward<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.Tanh(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Backward<TOps, TVec>(TVec gradient, TVec output)
        where TOps : ISimdOps<TVec>
        where TVec : struct =>
        TOps.Multiply(gradient, TOps.Subtract(TOps.Broadcast(1f), TOps.Multiply(output, output)));
}
