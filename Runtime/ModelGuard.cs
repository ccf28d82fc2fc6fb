using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading;

namespace StaticGrad;

/// <summary>Argument checks shared by generated models; the throwing paths stay out of the hot code.</summary>
public static class ModelGuard
{
    /// <summary>Checks that <paramref name="batch"/> is in [1, <paramref name="maxBatch"/>].</summary>
    /// <param name="batch">The batch of this call.</param>
    /// <param name="maxBatch">The maximum batch the model was constructed with.</param>
    /// <exception cref="ArgumentOutOfRangeException">The batch is not positive or exceeds the maximum.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckBatch(int batch, int maxBatch)
    {
        if ((uint)(batch - 1) >= (uint)maxBatch)
        {
            ThrowBatch(batch, maxBatch);
        }
    }

    /// <summary>
    /// Checks the batch of a pass against a layer's minimum: batch norm on batch statistics (training mode, or any mode
    /// without running statistics) needs more than one value per feature, and refuses a batch of one with PyTorch's message.
    /// </summary>
    /// <param name="batch">The batch of this call.</param>
    /// <param name="minimum">The smallest batch the layer accepts in training mode.</param>
    /// <param name="layer">The layer, for the message (<c>bn1 (BatchNorm1d)</c>).</param>
    /// <param name="features">The layer's input features, for the message.</param>
    /// <exception cref="ArgumentOutOfRangeException">The batch is below the minimum.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckMinimumBatch(int batch, int minimum, string layer, int features)
    {
        if (batch < minimum)
        {
            ThrowMinimumBatch(batch, minimum, layer, features);
        }
    }

    /// <summary>
    /// <see cref="CheckMinimumBatch(int, int, string, int)"/> for a layer on images (<c>BatchNorm2d</c>): the message shows
    /// the input size <c>[batch, channels, height, width]</c>, as PyTorch's does.
    /// </summary>
    /// <param name="batch">The batch of this call.</param>
    /// <param name="minimum">The smallest batch the layer accepts in training mode.</param>
    /// <param name="layer">The layer, for the message (<c>bn1 (BatchNorm2d)</c>).</param>
    /// <param name="channels">The layer's input channels, for the message.</param>
    /// <param name="height">The layer's input height, for the message.</param>
    /// <param name="width">The layer's input width, for the message.</param>
    /// <exception cref="ArgumentOutOfRangeException">The batch is below the minimum.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckMinimumBatch(int batch, int minimum, string layer, int channels, int height, int width)
    {
        if (batch < minimum)
        {
            ThrowMinimumBatch(batch, minimum, layer, channels, height, width);
        }
    }

    /// <summary>Checks a gradient accumulation scale.</summary>
    /// <param name="scale">The weight of a micro-batch's gradients.</param>
    /// <exception cref="ArgumentOutOfRangeException">The scale is not finite.</exception>
    public static void CheckScale(float scale)
    {
        if (!float.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "Expected a finite gradient scale (b_i / B for a micro-batch of b_i samples out of B).");
        }
    }

    /// <summary>Checks that a span holds at least <paramref name="required"/> elements.</summary>
    /// <param name="actual">The span's length.</param>
    /// <param name="required">The elements the call needs.</param>
    /// <param name="parameterName">The argument's name, reported in the exception.</param>
    /// <exception cref="ArgumentException">The span is too short.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckLength(int actual, int required, string parameterName)
    {
        if (actual < required)
        {
            ThrowLength(actual, required, parameterName);
        }
    }

    /// <summary>Checks that a span holds at least <paramref name="batch"/> rows of <paramref name="perRow"/> elements, the product taken in 64 bits.</summary>
    /// <param name="actual">The span's length.</param>
    /// <param name="batch">The rows the call needs (already checked against the model's maximum batch).</param>
    /// <param name="perRow">The elements per row.</param>
    /// <param name="parameterName">The argument's name, reported in the exception.</param>
    /// <exception cref="ArgumentException">The span is too short.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckLength(int actual, int batch, int perRow, string parameterName)
    {
        if (actual < (long)batch * perRow)
        {
            ThrowLength(actual, batch, perRow, parameterName);
        }
    }

    /// <summary>Checks that a call's output does not share memory with one of its inputs.</summary>
    /// <param name="input">The elements of the input the call reads.</param>
    /// <param name="output">The elements of the output the call writes.</param>
    /// <param name="inputName">The input argument's name.</param>
    /// <param name="outputName">The output argument's name, reported in the exception.</param>
    /// <exception cref="ArgumentException">The two overlap.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckDisjoint(ReadOnlySpan<float> input, ReadOnlySpan<float> output, string inputName, string outputName)
    {
        if (input.Overlaps(output))
        {
            ThrowOverlap(inputName, outputName);
        }
    }

    /// <summary>Checks a constructor's maximum batch.</summary>
    /// <param name="maxBatch">The requested maximum batch.</param>
    /// <exception cref="ArgumentOutOfRangeException">It is not positive.</exception>
    public static void CheckMaxBatch(int maxBatch)
    {
        if (maxBatch <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, "Expected a positive maximum batch size.");
        }
    }

    /// <summary>Checks a constructor's maximum batch against the arena it sizes: <c>maxBatch * arenaFloatsPerSample</c> floats in one array.</summary>
    /// <param name="maxBatch">The requested maximum batch.</param>
    /// <param name="arenaFloatsPerSample">The model's arena floats per sample.</param>
    /// <exception cref="ArgumentOutOfRangeException">It is not positive, or the arena would exceed the largest array.</exception>
    public static void CheckMaxBatch(int maxBatch, int arenaFloatsPerSample)
    {
        CheckMaxBatch(maxBatch);
        if (arenaFloatsPerSample > 0 && (long)maxBatch * arenaFloatsPerSample > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(
                nameof(maxBatch),
                maxBatch,
                $"A maximum batch of {maxBatch} needs an arena of {maxBatch} x {arenaFloatsPerSample} floats, more than the largest array ({Array.MaxLength}); construct the model with maxBatch <= {Array.MaxLength / arenaFloatsPerSample}.");
        }
    }

    /// <summary>
    /// Marks a training step as running on a model, or throws when one already is: a model trains on one thread
    /// at a time, because a step writes the model's one training arena and its gradients.
    /// </summary>
    /// <param name="running">The model's flag: 0 when no step runs, 1 while one does.</param>
    /// <param name="modelName">The model's type name, reported in the exception.</param>
    /// <exception cref="InvalidOperationException">Another thread is inside a training step of the same model.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void EnterTrainStep(ref int running, string modelName)
    {
        if (Interlocked.Exchange(ref running, 1) != 0)
        {
            ThrowConcurrentTrainStep(modelName);
        }
    }

    /// <summary>
    /// Checks that a <c>Backward</c> call has the forward pass it needs: a <c>ForwardForBackward</c> on the same batch size,
    /// with nothing since then that reused the training arena (TrainStep, AccumulateGradients, a training-mode Forward,
    /// another Backward).
    /// </summary>
    /// <param name="pendingBatch">The batch of the forward pass still waiting for its backward pass, or 0 for none.</param>
    /// <param name="batch">The batch the Backward call passed.</param>
    /// <param name="modelName">The model's type name, reported in the exception.</param>
    /// <exception cref="InvalidOperationException">There is no such forward pass, or it ran on another batch size.</exception>
    public static void CheckBackward(int pendingBatch, int batch, string modelName)
    {
        if (pendingBatch == 0)
        {
            throw new InvalidOperationException(
                $"Backward on '{modelName}' has no forward pass to go back through: call ForwardForBackward first. Its activations are used up by "
                + "a Backward (each forward pass takes one) and overwritten by a TrainStep, an AccumulateGradients or a Forward in ModelMode.Training.");
        }

        if (pendingBatch != batch)
        {
            throw new InvalidOperationException(
                $"Backward on '{modelName}' was called with batch {batch}, but the ForwardForBackward it goes back through ran on {pendingBatch} samples.");
        }
    }

    /// <summary>Clears the flag set by <see cref="EnterTrainStep"/> when the step ends, normally or by an exception.</summary>
    /// <param name="running">The model's flag.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ExitTrainStep(ref int running) => Volatile.Write(ref running, 0);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowConcurrentTrainStep(string modelName)
        => throw new InvalidOperationException(
            $"A training-mode pass (TrainStep, AccumulateGradients, or Forward/Predict with Mode = ModelMode.Training) started on this {modelName} while another thread was inside one on the same instance. "
            + "A model trains on one thread at a time: its training arena, gradients and running statistics are shared by every such pass. "
            + "Forward and Predict in eval mode (the default) may run on any number of threads at once; give each training thread its own model instance.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBatch(int batch, int maxBatch)
        => throw new ArgumentOutOfRangeException(
            nameof(batch),
            batch,
            batch <= 0
                ? $"Expected a batch of at least 1, got {batch}."
                : $"The batch of {batch} exceeds the maximum batch of {maxBatch} this model was constructed with; construct it with maxBatch >= {batch}.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(int actual, int required, string parameterName)
        => throw new ArgumentException($"Expected at least {required} elements, got {actual}.", parameterName);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(int actual, int batch, int perRow, string parameterName)
        => throw new ArgumentException($"Expected at least {(long)batch * perRow} elements ({batch} x {perRow}), got {actual}.", parameterName);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowMinimumBatch(int batch, int minimum, string layer, int features)
        => ThrowMinimumBatch(batch, minimum, layer, features.ToString(CultureInfo.InvariantCulture));

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowMinimumBatch(int batch, int minimum, string layer, int channels, int height, int width)
        => ThrowMinimumBatch(batch, minimum, layer, string.Create(CultureInfo.InvariantCulture, $"{channels}, {height}, {width}"));

    [DoesNotReturn]
    private static void ThrowMinimumBatch(int batch, int minimum, string layer, string sampleSize)
        => throw new ArgumentOutOfRangeException(
            nameof(batch),
            batch,
            $"Expected more than 1 value per channel when training, got input size [{batch}, {sampleSize}]: {layer} normalizes with the batch's statistics here and needs a batch of at least {minimum} (in training mode, or always without running statistics).");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOverlap(string inputName, string outputName) =>
        throw new ArgumentException($"'{outputName}' must not share memory with '{inputName}'; pass separate buffers.", outputName);
}
