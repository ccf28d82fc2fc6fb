using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using StaticGrad.Threading;

namespace StaticGrad.Kernels;

/// <summary>
/// 2-d convolution, PyTorch's <c>nn.Conv2d</c> (cross-correlation) in NCHW: input <c>[batch, inChannels, height, width]</c>,
/// weight <c>[outChannels, inChannels/groups, kernelHeight, kernelWidth]</c> (the state_dict layout), bias <c>[outChannels]</c>,
/// output <c>[batch, outChannels, outHeight, outWidth]</c> with <c>outHeight = </c><see cref="SlidingWindow.OutputSize"/>
/// (likewise the width). Stride, zero padding, dilation and groups as in PyTorch.
/// </summary>
/// <remarks>
/// <para>
/// Algorithm: im2col into the packed <see cref="Gemm"/>. Per sample and group, the forward pass is
/// <c>Y = W · col(X)</c> (<see cref="Gemm.Multiply"/>, written straight into the output, then the bias and the
/// activation in place), the input gradient <c>col⁻¹(Wᵀ · dY)</c> (<see cref="Gemm.MultiplyTransposeA"/>, then a
/// scatter-add onto the input positions), and the weight gradient <c>dY · col(X)ᵀ</c> (<see cref="Gemm.MultiplyTransposeB"/>)
/// over several samples at once, with a row of ones appended to the column matrix so the bias gradient comes out
/// of the same product. A 1 × 1 kernel with stride 1 and no padding multiplies the input itself. Shapes that suit them
/// take direct paths instead: the weight gradient with vectors over output channels when they come in whole 16-channel
/// blocks per group (<see cref="Conv2dWeightGradientByChannels"/>, any stride), else, for stride 1, output rows as long
/// as the input rows and output planes of whole 16-float vectors, as dot products of the output gradient in place with
/// shifted input planes (<see cref="Conv2dWeightGradientShifted"/>), else, for stride 1 and small planes, as flat dot
/// products over zero-padded rows (<see cref="Conv2dWeightGradient"/>), each in its own summation order, the same on every
/// instruction set; the forward pass and the input gradient for stride 1 on AVX-512 hardware
/// (<see cref="Conv2dForwardBySamples"/> for batches of 12 or more with ReLU or no activation, else
/// <see cref="Conv2dChannelDirect"/> when the output channels come in multiples of 16, else <see cref="Conv2dDirect"/>,
/// which runs rows that leave lanes unused as <see cref="Conv2dPlaneDirect"/>;
/// <see cref="Conv2dInputGradientBySamples"/> for blocks of 12 to 16 samples with finite weights, else
/// <see cref="Conv2dInputGradientByPlanes"/> or <see cref="Conv2dInputGradient"/>; all the im2col path's bits). An input
/// gradient whose output gradient is mostly zeros (at most a quarter nonzero per sample, as behind a 2 × 2 max pool) for
/// small channel counts runs over the nonzero values only (<see cref="Conv2dInputGradientSparse"/>, its own summation
/// order, the same on every instruction set, within float32 rounding of the dense paths'), and so does the weight
/// gradient (<see cref="Conv2dWeightGradientByPositions"/>, in <see cref="Conv2dWeightGradientByChannels"/>' order). The
/// forward pass of 5 × 5 kernels (stride 1, undilated, one group, at least two input channels, even output sizes) for
/// batches of 8 or more with ReLU or no activation takes Winograd's F(2 × 2, 5 × 5) on every instruction set
/// (<see cref="Conv2dWinograd"/>: 36 products per 2 × 2 outputs instead of 100; its own summation order, the same on every
/// instruction set, within a few float32 roundings of the exact sums; a sample with a non-finite value, or kernels whose
/// transform is not finite, take the direct paths). See docs/performance.md for the measurements behind these choices.
/// </para>
/// <para>
/// Threads: the batch is split across <see cref="Parallelism.MaxThreads"/> threads (each with its own slot of the
/// workspace). The weight gradient sums over the batch in <see cref="ReductionLanes"/> fixed ranges of samples whose
/// partial sums are added in order (or, on the direct paths, in two fixed sample segments, one per thread, whose sums
/// are added in order), so every result is bit-identical for any thread count.
/// </para>
/// <para>
/// Scratch memory is the caller's: <c>workspace</c> must hold <see cref="WorkspaceFloats"/> floats for at least one
/// thread; a call uses as many threads as its workspace has slots for (and no more than <see cref="Parallelism.MaxThreads"/>).
/// Nothing is allocated per call.
/// </para>
/// </remarks>
public static unsafe class Conv2d
{
    /// <summary>
    /// The fixed number of sample ranges the weight gradient sums separately before adding them in order: the most
    /// threads that can share one weight gradient. It depends on nothing else, so neither does the summation order.
    /// </summary>
    public const int ReductionLanes = 16;

    /// <summary>
    /// The size the weight gradient's column matrix of several samples aims at (floats): up to this many, samples are
    /// gathered into one product with a longer reduction, rather than one short product per sample.
    /// </summary>
    internal const int ChunkFloats = 1 << 16;

    /// <summary>
    /// Multiply-adds a thread must get before a pass is split (about 1 µs of work). Lower than
    /// <see cref="Gemm.MinWorkPerThread"/>: a convolution splits by samples, as the layers before and after it do, so each
    /// core reads the samples it wrote.
    /// </summary>
    internal const long MinWorkPerThread = 1L << 17;

    /// <summary>
    /// The floats of the <c>workspace</c> the three passes need for a given shape when they may use
    /// <paramref name="threads"/> threads: <see cref="ReductionLanes"/> partial weight gradients, then one slot per
    /// thread (a column matrix, and for the weight gradient a block of output gradients). Independent of the batch size.
    /// </summary>
    /// <param name="inChannels">Input channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="outChannels">Output channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="kernelHeight">Kernel height; positive.</param>
    /// <param name="kernelWidth">Kernel width; positive.</param>
    /// <param name="strideHeight">Vertical stride; positive.</param>
    /// <param name="strideWidth">Horizontal stride; positive.</param>
    /// <param name="paddingHeight">Zero padding above and below; zero or more.</param>
    /// <param name="paddingWidth">Zero padding left and right; zero or more.</param>
    /// <param name="dilationHeight">Vertical kernel dilation; positive.</param>
    /// <param name="dilationWidth">Horizontal kernel dilation; positive.</param>
    /// <param name="groups">Channel groups; positive.</param>
    /// <param name="threads">The most threads the calls should use, e.g. <see cref="Parallelism.MaxThreads"/>; 1 to <see cref="Parallelism.ThreadLimit"/>.</param>
    /// <returns>The workspace length in floats.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ArgumentException">The kernel does not fit the padded input, or a channel count is not a multiple of <paramref name="groups"/>.</exception>
    public static int WorkspaceFloats(
        int inChannels, int height, int width, int outChannels, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth, int groups, int threads)
    {
        Conv2dGeometry g = Geometry(inChannels, height, width, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, groups);
        if (threads < 1 || threads > Parallelism.ThreadLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threads, $"Expected 1 to {Parallelism.ThreadLimit} threads.");
        }

        long partials = PartialFloats(g) + AlignmentSlack, slot = SlotFloats(g);
        _ = KernelGuard.Fits(partials + slot, nameof(inChannels), "the workspace of one thread (from the channels, sizes and kernel)");
        return KernelGuard.Fits(partials + (threads * slot), nameof(threads), "the workspace of that many threads");
    }

    /// <summary>
    /// The forward pass: <c>output = act(conv(input, weight) + bias)</c>.
    /// </summary>
    /// <param name="input"><c>[batch, inChannels, height, width]</c>.</param>
    /// <param name="weight"><c>[outChannels, inChannels/groups, kernelHeight, kernelWidth]</c>.</param>
    /// <param name="bias"><c>[outChannels]</c>, or empty for none.</param>
    /// <param name="output">Receives <c>[batch, outChannels, outHeight, outWidth]</c>; must not overlap another span.</param>
    /// <param name="workspace">Scratch of at least <see cref="WorkspaceFloats"/> floats for one thread; must not overlap another span.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="inChannels">Input channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="outChannels">Output channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="kernelHeight">Kernel height; positive.</param>
    /// <param name="kernelWidth">Kernel width; positive.</param>
    /// <param name="strideHeight">Vertical stride; positive.</param>
    /// <param name="strideWidth">Horizontal stride; positive.</param>
    /// <param name="paddingHeight">Zero padding above and below; zero or more.</param>
    /// <param name="paddingWidth">Zero padding left and right; zero or more.</param>
    /// <param name="dilationHeight">Vertical kernel dilation; positive.</param>
    /// <param name="dilationWidth">Horizontal kernel dilation; positive.</param>
    /// <param name="groups">Channel groups; positive.</param>
    /// <param name="activation">Applied after the bias: None, ReLU, Sigmoid or Tanh.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension or <paramref name="activation"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps another, the kernel does not fit, or a channel count is not a multiple of <paramref name="groups"/>.</exception>
    public static void Forward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> workspace,
        int batch, int inChannels, int height, int width, int outChannels, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth, int groups, Activation activation)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        Conv2dGeometry g = Geometry(inChannels, height, width, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, groups);
        KernelGuard.Holds(input.Length, batch, g.InputSample, nameof(input), "batch*inChannels*height*width");
        CheckWeight(weight, g);
        if (!bias.IsEmpty)
        {
            KernelGuard.Holds(bias.Length, outChannels, nameof(bias), "outChannels");
        }

        KernelGuard.Holds(output.Length, batch, g.OutputSample, nameof(output), "batch*outChannels*outHeight*outWidth");
        int slots = Slots(workspace, g);
        if (activation is not (Activation.None or Activation.ReLU or Activation.Sigmoid or Activation.Tanh))
        {
            KernelGuard.ThrowUnknownActivation(activation);
        }

        KernelGuard.NoOverlap(input, output, nameof(input), nameof(output));
        KernelGuard.NoOverlap(weight, output, nameof(weight), nameof(output));
        KernelGuard.NoOverlap(bias, output, nameof(bias), nameof(output));
        KernelGuard.NoOverlap(input, workspace, nameof(input), nameof(workspace));
        KernelGuard.NoOverlap(weight, workspace, nameof(weight), nameof(workspace));
        KernelGuard.NoOverlap(bias, workspace, nameof(bias), nameof(workspace));
        KernelGuard.NoOverlap(output, workspace, nameof(output), nameof(workspace));
        if (batch == 0)
        {
            return;
        }

        fixed (float* pInput = input)
        fixed (float* pWeight = weight)
        fixed (float* pBias = bias)
        fixed (float* pOutput = output)
        fixed (float* pWorkspace = workspace)
        {
            Conv2dJob job = new(g, batch, FirstSlot(pWorkspace, g), SlotFloats(g))
            {
                Input = pInput,
                Weight = pWeight,
                Bias = bias.IsEmpty ? null : pBias,
                Output = pOutput,
                Activation = activation,
            };
            // The forward pass does not use the partial weight gradients' room (sized to hold the transformed kernels).
            if (Conv2dWinograd.Applies(g, batch, activation) && Conv2dWinograd.TransformKernels(pWeight, pWorkspace, g))
            {
                job.Partials = pWorkspace;
                Launch(&job, Conv2dWinograd.Blocks(batch), slots, &Conv2dWinograd.Part);
                return;
            }

            if (Conv2dForwardBySamples.Applies(g, batch, activation))
            {
                // The forward pass does not use the partial weight gradients' room (more than the weights need).
                Conv2dForwardBySamples.PackWeights(pWeight, pWorkspace, g);
                job.Partials = pWorkspace;
                Launch(&job, Conv2dForwardBySamples.Blocks(batch), slots, &Conv2dPasses.ForwardBySamplesPart);
                return;
            }

            if (Conv2dForwardBySamplesAvx2.Applies(g, batch, activation))
            {
                Conv2dForwardBySamples.PackWeights(pWeight, pWorkspace, g);
                job.Partials = pWorkspace;
                Launch(&job, Conv2dForwardBySamplesAvx2.Blocks(batch), slots, &Conv2dPasses.ForwardBySamplesAvx2Part);
                return;
            }

            if (Conv2dChannelDirect.Applies(g))
            {
                // The forward pass does not use the partial weight gradients' room (more than the weights need).
                Conv2dChannelDirect.PackWeights(pWeight, pWorkspace, g);
                job.Partials = pWorkspace;
            }

            Launch(&job, batch, slots, &Conv2dPasses.ForwardPart);
        }
    }

    /// <summary>
    /// The input gradient: <c>inputGradient = convᵀ(outputGradient, weight)</c>, overwritten.
    /// </summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, outChannels, outHeight, outWidth]</c>, taken after any activation's derivative.</param>
    /// <param name="weight"><c>[outChannels, inChannels/groups, kernelHeight, kernelWidth]</c>.</param>
    /// <param name="inputGradient">Receives dL/d(input), <c>[batch, inChannels, height, width]</c>; must not overlap another span.</param>
    /// <param name="workspace">Scratch of at least <see cref="WorkspaceFloats"/> floats for one thread; must not overlap another span.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="inChannels">Input channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="outChannels">Output channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="kernelHeight">Kernel height; positive.</param>
    /// <param name="kernelWidth">Kernel width; positive.</param>
    /// <param name="strideHeight">Vertical stride; positive.</param>
    /// <param name="strideWidth">Horizontal stride; positive.</param>
    /// <param name="paddingHeight">Zero padding above and below; zero or more.</param>
    /// <param name="paddingWidth">Zero padding left and right; zero or more.</param>
    /// <param name="dilationHeight">Vertical kernel dilation; positive.</param>
    /// <param name="dilationWidth">Horizontal kernel dilation; positive.</param>
    /// <param name="groups">Channel groups; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps another, the kernel does not fit, or a channel count is not a multiple of <paramref name="groups"/>.</exception>
    public static void BackwardData(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> weight, Span<float> inputGradient, Span<float> workspace,
        int batch, int inChannels, int height, int width, int outChannels, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth, int groups)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        Conv2dGeometry g = Geometry(inChannels, height, width, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, groups);
        KernelGuard.Holds(outputGradient.Length, batch, g.OutputSample, nameof(outputGradient), "batch*outChannels*outHeight*outWidth");
        CheckWeight(weight, g);
        KernelGuard.Holds(inputGradient.Length, batch, g.InputSample, nameof(inputGradient), "batch*inChannels*height*width");
        int slots = Slots(workspace, g);
        KernelGuard.NoOverlap(outputGradient, inputGradient, nameof(outputGradient), nameof(inputGradient));
        KernelGuard.NoOverlap(weight, inputGradient, nameof(weight), nameof(inputGradient));
        KernelGuard.NoOverlap(outputGradient, workspace, nameof(outputGradient), nameof(workspace));
        KernelGuard.NoOverlap(weight, workspace, nameof(weight), nameof(workspace));
        KernelGuard.NoOverlap(inputGradient, workspace, nameof(inputGradient), nameof(workspace));
        if (batch == 0)
        {
            return;
        }

        fixed (float* pOutputGradient = outputGradient)
        fixed (float* pWeight = weight)
        fixed (float* pInputGradient = inputGradient)
        fixed (float* pWorkspace = workspace)
        {
            Conv2dJob job = new(g, batch, FirstSlot(pWorkspace, g), SlotFloats(g))
            {
                Output = pOutputGradient,
                Weight = pWeight,
                Input = pInputGradient,
                DepthwiseInputGradient = Conv2dDepthwise.Applies(g) && Conv2dDepthwise.FiniteWeights(pWeight, g),
            };
            if (Conv2dInputGradientSparse.Fits(g) && Conv2dInputGradientSparse.AnySampleSparse(pOutputGradient, batch, g)
                && Conv2dInputGradientSparse.PackWeights(pWeight, pWorkspace, g))
            {
                job.Partials = pWorkspace;
                Launch(&job, batch, slots, &Conv2dInputGradientSparse.Part);
                return;
            }

            if (Conv2dInputGradientBySamples.Applies(g, batch) && Conv2dInputGradientBySamples.PackWeights(pWeight, pWorkspace, g))
            {
                job.Partials = pWorkspace;
                Launch(&job, Conv2dInputGradientBySamples.Blocks(batch), slots, &Conv2dPasses.BackwardDataBySamplesPart);
                return;
            }

            if (Conv2dInputGradientBySamplesAvx2.Applies(g, batch) && Conv2dInputGradientBySamples.PackWeights(pWeight, pWorkspace, g))
            {
                job.Partials = pWorkspace;
                Launch(&job, Conv2dInputGradientBySamplesAvx2.Blocks(batch), slots, &Conv2dPasses.BackwardDataBySamplesAvx2Part);
                return;
            }

            Launch(&job, batch, slots, &Conv2dPasses.BackwardDataPart);
        }
    }

    /// <summary>
    /// The parameter gradients, overwritten: <c>weightGradient = Σ_samples dY · col(X)ᵀ</c> and
    /// <c>biasGradient[o] = Σ dY[·, o, ·, ·]</c>.
    /// </summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, outChannels, outHeight, outWidth]</c>, taken after any activation's derivative.</param>
    /// <param name="input">The forward pass's input, <c>[batch, inChannels, height, width]</c>.</param>
    /// <param name="weightGradient">Receives <c>[outChannels, inChannels/groups, kernelHeight, kernelWidth]</c>; must not overlap another span.</param>
    /// <param name="biasGradient">Receives <c>[outChannels]</c>, or empty (no bias); must not overlap another span.</param>
    /// <param name="workspace">Scratch of at least <see cref="WorkspaceFloats"/> floats for one thread; must not overlap another span.</param>
    /// <param name="batch">Samples; zero or more (no samples give zero gradients).</param>
    /// <param name="inChannels">Input channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="outChannels">Output channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="kernelHeight">Kernel height; positive.</param>
    /// <param name="kernelWidth">Kernel width; positive.</param>
    /// <param name="strideHeight">Vertical stride; positive.</param>
    /// <param name="strideWidth">Horizontal stride; positive.</param>
    /// <param name="paddingHeight">Zero padding above and below; zero or more.</param>
    /// <param name="paddingWidth">Zero padding left and right; zero or more.</param>
    /// <param name="dilationHeight">Vertical kernel dilation; positive.</param>
    /// <param name="dilationWidth">Horizontal kernel dilation; positive.</param>
    /// <param name="groups">Channel groups; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps another, the kernel does not fit, or a channel count is not a multiple of <paramref name="groups"/>.</exception>
    public static void BackwardWeight(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input, Span<float> weightGradient, Span<float> biasGradient, Span<float> workspace,
        int batch, int inChannels, int height, int width, int outChannels, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth, int groups)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        Conv2dGeometry g = Geometry(inChannels, height, width, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, groups);
        RunBackwardWeight(outputGradient, input, weightGradient, biasGradient, workspace, batch, g, default);
    }

    /// <summary>
    /// The parameter gradients of a convolution whose output feeds only a max pool, from the pool's output gradient:
    /// <see cref="MaxPool2d.BackwardThroughReLU"/> (or <see cref="MaxPool2d.Backward"/> without <paramref name="pooled"/>)
    /// into <paramref name="outputGradient"/> followed by <see cref="BackwardWeight"/>. Where the weight gradient reads the
    /// output gradient one sample at a time in place (stride 1, output rows as long as the input's: LeNet's first
    /// convolution), <paramref name="outputGradient"/> is not touched: with finite inputs and kernels up to 5 × 8 the
    /// products run over the positions the pool routes a gradient to alone (<see cref="Conv2dWeightGradientRouted"/>, its
    /// own summation order, within float32 rounding of the two passes), else each thread builds each sample's output
    /// gradient in its workspace slot just before reading it (the two passes' bits). Other shapes run the two passes.
    /// </summary>
    /// <param name="pooledGradient">dL/d(pool output), <c>[batch, outChannels, poolHeight, poolWidth]</c>.</param>
    /// <param name="pooled">
    /// The pool's output (its window maxima) when the convolution's fused ReLU's derivative is applied on the way, as
    /// <see cref="MaxPool2d.BackwardThroughReLU"/> does; empty when the convolution has no activation.
    /// </param>
    /// <param name="indices">The pool's forward indices, same shape as <paramref name="pooledGradient"/>.</param>
    /// <param name="outputGradient">
    /// Room for dL/d(convolution output), <c>[batch, outChannels, outHeight, outWidth]</c>, used only by the shapes that run
    /// the two passes; its contents afterwards are unspecified. Must not overlap another span.
    /// </param>
    /// <param name="input">The forward pass's input, <c>[batch, inChannels, height, width]</c>.</param>
    /// <param name="weightGradient">Receives <c>[outChannels, inChannels/groups, kernelHeight, kernelWidth]</c>; must not overlap another span.</param>
    /// <param name="biasGradient">Receives <c>[outChannels]</c>, or empty (no bias); must not overlap another span.</param>
    /// <param name="workspace">Scratch of at least <see cref="WorkspaceFloats"/> floats for one thread; must not overlap another span.</param>
    /// <param name="batch">Samples; zero or more (no samples give zero gradients).</param>
    /// <param name="inChannels">Input channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="outChannels">Output channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="kernelHeight">Kernel height; positive.</param>
    /// <param name="kernelWidth">Kernel width; positive.</param>
    /// <param name="strideHeight">Vertical stride; positive.</param>
    /// <param name="strideWidth">Horizontal stride; positive.</param>
    /// <param name="paddingHeight">Zero padding above and below; zero or more.</param>
    /// <param name="paddingWidth">Zero padding left and right; zero or more.</param>
    /// <param name="dilationHeight">Vertical kernel dilation; positive.</param>
    /// <param name="dilationWidth">Horizontal kernel dilation; positive.</param>
    /// <param name="groups">Channel groups; positive.</param>
    /// <param name="poolKernelHeight">The pool's window height; positive.</param>
    /// <param name="poolKernelWidth">The pool's window width; positive.</param>
    /// <param name="poolStrideHeight">The pool's vertical stride; positive.</param>
    /// <param name="poolStrideWidth">The pool's horizontal stride; positive.</param>
    /// <param name="poolPaddingHeight">The pool's padding above and below; at most half its window height.</param>
    /// <param name="poolPaddingWidth">The pool's padding left and right; at most half its window width.</param>
    /// <param name="poolDilationHeight">The pool's vertical window dilation; positive.</param>
    /// <param name="poolDilationWidth">The pool's horizontal window dilation; positive.</param>
    /// <param name="poolCeilMode">The pool's <c>ceil_mode</c> (<see cref="MaxPool2d.Forward"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">
    /// A span is too short or overlaps another, the kernel or the pool's window does not fit, a channel count is not a
    /// multiple of <paramref name="groups"/>, or an index is outside its plane.
    /// </exception>
    public static void BackwardWeightFromMaxPool(
        ReadOnlySpan<float> pooledGradient, ReadOnlySpan<float> pooled, ReadOnlySpan<int> indices, Span<float> outputGradient, ReadOnlySpan<float> input,
        Span<float> weightGradient, Span<float> biasGradient, Span<float> workspace,
        int batch, int inChannels, int height, int width, int outChannels, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth, int groups,
        int poolKernelHeight, int poolKernelWidth, int poolStrideHeight, int poolStrideWidth, int poolPaddingHeight, int poolPaddingWidth, int poolDilationHeight, int poolDilationWidth, bool poolCeilMode = false)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        Conv2dGeometry g = Geometry(inChannels, height, width, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, groups);
        Pool2dGeometry p = Pool2dGeometry.Create(
            batch, outChannels, g.OutHeight, g.OutWidth, poolKernelHeight, poolKernelWidth, poolStrideHeight, poolStrideWidth, poolPaddingHeight, poolPaddingWidth, poolDilationHeight, poolDilationWidth, poolCeilMode);
        KernelGuard.Holds(pooledGradient.Length, p.Planes, p.OutputPlane, nameof(pooledGradient), "batch*outChannels*poolHeight*poolWidth");
        KernelGuard.Holds(indices.Length, p.Planes, p.OutputPlane, nameof(indices), "batch*outChannels*poolHeight*poolWidth");
        if (!pooled.IsEmpty)
        {
            KernelGuard.Holds(pooled.Length, p.Planes, p.OutputPlane, nameof(pooled), "batch*outChannels*poolHeight*poolWidth");
        }

        KernelGuard.Holds(outputGradient.Length, batch, g.OutputSample, nameof(outputGradient), "batch*outChannels*outHeight*outWidth");
        PoolReadNoOverlap(pooledGradient, nameof(pooledGradient), outputGradient, weightGradient, biasGradient, workspace);
        PoolReadNoOverlap(pooled, nameof(pooled), outputGradient, weightGradient, biasGradient, workspace);
        PoolReadNoOverlap(MemoryMarshal.Cast<int, float>(indices), nameof(indices), outputGradient, weightGradient, biasGradient, workspace);
        KernelGuard.NoOverlap(input, outputGradient, nameof(input), nameof(outputGradient));
        KernelGuard.NoOverlap(weightGradient, outputGradient, nameof(weightGradient), nameof(outputGradient));
        KernelGuard.NoOverlap(biasGradient, outputGradient, nameof(biasGradient), nameof(outputGradient));
        if (Conv2dWeightGradientByChannels.Fits(g) || !Conv2dWeightGradientShifted.Fits(g))
        {
            if (pooled.IsEmpty)
            {
                MaxPool2d.Backward(
                    pooledGradient, indices, outputGradient, batch, outChannels, g.OutHeight, g.OutWidth,
                    poolKernelHeight, poolKernelWidth, poolStrideHeight, poolStrideWidth, poolPaddingHeight, poolPaddingWidth, poolDilationHeight, poolDilationWidth, poolCeilMode);
            }
            else
            {
                MaxPool2d.BackwardThroughReLU(
                    pooledGradient, pooled, indices, outputGradient, batch, outChannels, g.OutHeight, g.OutWidth,
                    poolKernelHeight, poolKernelWidth, poolStrideHeight, poolStrideWidth, poolPaddingHeight, poolPaddingWidth, poolDilationHeight, poolDilationWidth, poolCeilMode);
            }

            BackwardWeight(
                outputGradient, input, weightGradient, biasGradient, workspace, batch, inChannels, height, width, outChannels,
                kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, groups);
            return;
        }

        fixed (float* pPooledGradient = pooledGradient)
        fixed (float* pPooled = pooled)
        fixed (int* pIndices = indices)
        {
            var pool = new MaxPoolGradient { Gradient = pPooledGradient, Maxima = pooled.IsEmpty ? null : pPooled, Indices = pIndices, Geometry = p, Channels = outChannels };
            RunBackwardWeight(outputGradient, input, weightGradient, biasGradient, workspace, batch, g, pool);
        }
    }

    /// <summary>That a span <see cref="BackwardWeightFromMaxPool"/> reads from the pool overlaps none it writes.</summary>
    private static void PoolReadNoOverlap(
        ReadOnlySpan<float> read, string name, Span<float> outputGradient, Span<float> weightGradient, Span<float> biasGradient, Span<float> workspace)
    {
        KernelGuard.NoOverlap(read, outputGradient, name, nameof(outputGradient));
        KernelGuard.NoOverlap(read, weightGradient, name, nameof(weightGradient));
        KernelGuard.NoOverlap(read, biasGradient, name, nameof(biasGradient));
        KernelGuard.NoOverlap(read, workspace, name, nameof(workspace));
    }

    /// <summary>
    /// <see cref="BackwardWeight"/> after its shape checks; with <paramref name="pool"/> set, the output gradient comes from
    /// that max pool (<see cref="BackwardWeightFromMaxPool"/>, only for shapes of <see cref="Conv2dWeightGradientShifted"/>).
    /// </summary>
    private static void RunBackwardWeight(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input, Span<float> weightGradient, Span<float> biasGradient, Span<float> workspace,
        int batch, in Conv2dGeometry g, MaxPoolGradient pool)
    {
        Debug.Assert(!pool.IsSet || (Conv2dWeightGradientShifted.Fits(g) && !Conv2dWeightGradientByChannels.Fits(g)), "A max pool's gradient goes only to the shifted path.");
        KernelGuard.Holds(outputGradient.Length, batch, g.OutputSample, nameof(outputGradient), "batch*outChannels*outHeight*outWidth");
        KernelGuard.Holds(input.Length, batch, g.InputSample, nameof(input), "batch*inChannels*height*width");
        KernelGuard.Holds(weightGradient.Length, g.OutChannels, g.GroupReduction, nameof(weightGradient), "outChannels*(inChannels/groups)*kernelHeight*kernelWidth");
        if (!biasGradient.IsEmpty)
        {
            KernelGuard.Holds(biasGradient.Length, g.OutChannels, nameof(biasGradient), "outChannels");
        }

        int slots = Slots(workspace, g);
        KernelGuard.NoOverlap(outputGradient, weightGradient, nameof(outputGradient), nameof(weightGradient));
        KernelGuard.NoOverlap(input, weightGradient, nameof(input), nameof(weightGradient));
        KernelGuard.NoOverlap(outputGradient, biasGradient, nameof(outputGradient), nameof(biasGradient));
        KernelGuard.NoOverlap(input, biasGradient, nameof(input), nameof(biasGradient));
        KernelGuard.NoOverlap(weightGradient, biasGradient, nameof(weightGradient), nameof(biasGradient));
        KernelGuard.NoOverlap(outputGradient, workspace, nameof(outputGradient), nameof(workspace));
        KernelGuard.NoOverlap(input, workspace, nameof(input), nameof(workspace));
        KernelGuard.NoOverlap(weightGradient, workspace, nameof(weightGradient), nameof(workspace));
        KernelGuard.NoOverlap(biasGradient, workspace, nameof(biasGradient), nameof(workspace));
        int lanes = Math.Min(batch, ReductionLanes);
        if (lanes == 0)
        {
            weightGradient.Slice(0, g.OutChannels * g.GroupReduction).Clear();
            biasGradient.Clear();
            return;
        }

        fixed (float* pOutputGradient = outputGradient)
        fixed (float* pInput = input)
        fixed (float* pWeightGradient = weightGradient)
        fixed (float* pBiasGradient = biasGradient)
        fixed (float* pWorkspace = workspace)
        {
            Conv2dJob job = new(g, batch, FirstSlot(pWorkspace, g), SlotFloats(g))
            {
                Output = pOutputGradient,
                Input = pInput,
                Partials = pWorkspace,
                WeightGradient = pWeightGradient,
                BiasGradient = biasGradient.IsEmpty ? null : pBiasGradient,
                Pool = pool,
                Lanes = lanes,
                ChunkSamples = ChunkSamples(g),
                Isa = GemmIsaSelector.Current,
            };
            if (pool.IsSet && Conv2dWeightGradientRouted.Fits(g, pool.Geometry))
            {
                Launch(&job, Conv2dWeightGradient.SegmentCount(batch), slots, &Conv2dWeightGradientRouted.Part);
                if (job.Declined == 0)
                {
                    Conv2dWeightGradientRouted.SumSegments(&job);
                    return;
                }

                job.Declined = 0;
            }

            if (!pool.IsSet && Conv2dWeightGradientByPositions.Fits(g))
            {
                Launch(&job, Conv2dWeightGradient.SegmentCount(batch), slots, &Conv2dWeightGradientByPositions.Part);
                if (job.Declined == 0)
                {
                    Conv2dWeightGradientByPositions.SumSegments(&job);
                    return;
                }
            }

            if (Conv2dWeightGradientByChannels.Fits(g))
            {
                Launch(&job, Conv2dWeightGradientByChannels.ItemCount(g), slots, &Conv2dWeightGradientByChannels.Part);
                Conv2dWeightGradientByChannels.SumSegments(&job);
                return;
            }

            if (Conv2dWeightGradientShifted.Fits(g))
            {
                Launch(&job, Conv2dWeightGradientShifted.TileCount(g, GemmIsaSelector.Lanes(job.Isa)), slots, &Conv2dWeightGradientShifted.Part);
                Conv2dWeightGradient.SumSegments(&job);
                return;
            }

            if (Conv2dWeightGradient.Fits(g))
            {
                Launch(&job, Conv2dWeightGradient.TileCount(g, GemmIsaSelector.Lanes(job.Isa)), slots, &Conv2dWeightGradient.Part);
                Conv2dWeightGradient.SumSegments(&job);
                return;
            }

            Launch(&job, lanes, slots, Conv2dDepthwise.Applies(g) ? &Conv2dDepthwise.WeightGradientPart : &Conv2dPasses.BackwardWeightPart);
            Conv2dPasses.SumLanes(&job, weightGradient, biasGradient);
        }
    }

    /// <summary>Samples per weight-gradient product: as many as fit <see cref="ChunkFloats"/>, at least one.</summary>
    internal static int ChunkSamples(in Conv2dGeometry g) =>
        (int)Math.Clamp(ChunkFloats / (((long)g.Groups * (g.GroupReduction + 1)) + g.OutChannels) / g.OutputPlane, 1, ReductionLanes);

    /// <summary>
    /// Floats of the partial weight gradients at the start of the workspace: <see cref="ReductionLanes"/> ×
    /// <c>[outChannels, K/groups + 1]</c>, or on the flat and shifted weight gradients' paths their segments' lanes; at least
    /// the sparse input gradient's packed weights and the by-positions weight gradient's segment sums.
    /// </summary>
    internal static long PartialFloats(in Conv2dGeometry g) => Math.Max(
        Math.Max(
            Math.Max((long)ReductionLanes * g.OutChannels * (g.GroupReduction + 1), Conv2dWinograd.Fits(g) ? Conv2dWinograd.KernelFloats(g) : 0),
            Math.Max(Conv2dInputGradientSparse.Fits(g) ? Conv2dInputGradientSparse.PackedFloats(g) : 0, Conv2dWeightGradientByPositions.Fits(g) ? Conv2dWeightGradientByPositions.PartialFloats(g) : 0)),
        Math.Max(
            Conv2dWeightGradient.Fits(g) || Conv2dWeightGradientShifted.Fits(g) ? Conv2dWeightGradient.Segments * Conv2dWeightGradient.SegmentFloats(g) : 0,
            Conv2dWeightGradientByChannels.Fits(g) ? Conv2dWeightGradient.Segments * Conv2dWeightGradientByChannels.SegmentFloats(g) : 0));

    /// <summary>
    /// Floats of one thread's slot: the largest of a sample's column matrix (forward and input gradient; or its padded
    /// copy for <see cref="Conv2dDirect"/> or expanded copy for its <see cref="Conv2dPlaneDirect"/>, the expanded copy and
    /// tile of <see cref="Conv2dChannelDirect"/>, or the transposed blocks of <see cref="Conv2dForwardBySamples"/>,
    /// <see cref="Conv2dInputGradientBySamples"/> and their 256-bit twins, sized
    /// whatever the hardware so the workspace is the same everywhere), the GEMM
    /// weight gradient's block (column matrices with their rows of ones, the output-gradient block when it has several
    /// samples, and one partial gradient), the flat weight gradient's chunk of padded samples, the shifted one's input planes and the depthwise one's padded plane and one channel's column matrix; rounded up to whole 64-byte lines.
    /// </summary>
    /// <remarks>
    /// The GEMM block is counted even where the flat weight gradient replaces it: with slots of the column matrix alone,
    /// the GEMM input gradient of LeNet's conv1 shape ran 1.9x slower on two threads (327 against 172 µs; 172–256 µs with
    /// the slot padded back to this size), for reasons not found; the workspace keeps the layout it was measured with.
    /// </remarks>
    internal static long SlotFloats(in Conv2dGeometry g)
    {
        long samples = ChunkSamples(g);
        long columns = Math.Max(g.IsPointwise ? 0 : (long)g.Reduction * g.OutputPlane, Conv2dDirect.Fits(g) ? Conv2dDirect.PaddedFloats(g) : 0);
        columns = Math.Max(columns, Conv2dChannelDirect.Fits(g) ? Conv2dChannelDirect.SlotFloats(g) : 0);
        columns = Math.Max(columns, Conv2dPlaneDirectAvx2.Fits(g) ? Conv2dPlaneDirectAvx2.SlotFloats(g) : 0);
        columns = Math.Max(columns, Conv2dInputGradientBySamples.Fits(g) ? Conv2dInputGradientBySamples.SlotFloats(g) : 0);
        columns = Math.Max(columns, Conv2dInputGradientBySamplesAvx2.Fits(g) ? Conv2dInputGradientBySamplesAvx2.SlotFloats(g) : 0);
        columns = Math.Max(columns, Conv2dForwardBySamples.Fits(g) ? Conv2dForwardBySamples.SlotFloats(g) : 0);
        columns = Math.Max(columns, Conv2dForwardBySamplesAvx2.Fits(g) ? Conv2dForwardBySamplesAvx2.SlotFloats(g) : 0);
        columns = Math.Max(columns, Conv2dWinograd.Fits(g) ? Conv2dWinograd.SlotFloats(g) : 0);
        columns = Math.Max(columns, Conv2dDepthwise.Applies(g) ? Conv2dDepthwise.SlotFloats(g) : 0);
        columns = Math.Max(columns, Conv2dInputGradientSparse.Fits(g) ? Conv2dInputGradientSparse.SlotFloats(g) : 0);
        columns = Math.Max(columns, Conv2dWeightGradientByPositions.Fits(g) ? Conv2dWeightGradientByPositions.SlotFloats(g) : 0);
        long block = (g.Groups * (g.GroupReduction + 1L) * samples * g.OutputPlane) + (samples > 1 ? samples * g.OutputSample : 0) + ((long)g.OutChannels * (g.GroupReduction + 1));
        long flat = Math.Max(
            Math.Max(Conv2dWeightGradient.Fits(g) ? Conv2dWeightGradient.SlotFloats(g) : 0, Conv2dWeightGradientShifted.Fits(g) ? Conv2dWeightGradientShifted.SlotFloats(g) : 0),
            Math.Max(
                Conv2dWeightGradientByChannels.Fits(g) ? Conv2dWeightGradientByChannels.SlotFloats(g) : 0,
                Conv2dDepthwise.Applies(g) ? Conv2dDepthwise.WeightGradientSlotFloats(g, (int)samples) : 0));
        return RoundUpToLine(Math.Max(columns, Math.Max(block, flat)));
    }

    private static void Launch(Conv2dJob* job, int items, int slots, delegate*<void*, int, void> part)
    {
        Conv2dGeometry g = job->Geometry;
        long work = (long)job->Batch * g.OutChannels * g.GroupReduction * g.OutputPlane;
        int threads = Math.Min(Math.Min(Partition.Threads(work, MinWorkPerThread), slots), items);
        job->Parts = threads;
        job->Items = items;
        if (threads <= 1)
        {
            part(job, 0);
        }
        else
        {
            WorkerPool.Run(threads, threads, part, job);
        }
    }

    private static Conv2dGeometry Geometry(
        int inChannels, int height, int width, int outChannels, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth, int groups)
    {
        KernelGuard.Positive(inChannels, nameof(inChannels));
        KernelGuard.Positive(height, nameof(height));
        KernelGuard.Positive(width, nameof(width));
        KernelGuard.Positive(outChannels, nameof(outChannels));
        SlidingWindow.CheckWindow(kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth);
        KernelGuard.Positive(groups, nameof(groups));
        if (inChannels % groups != 0)
        {
            throw new ArgumentException($"Expected inChannels ({inChannels}) to be a multiple of groups ({groups}).", nameof(inChannels));
        }

        if (outChannels % groups != 0)
        {
            throw new ArgumentException($"Expected outChannels ({outChannels}) to be a multiple of groups ({groups}).", nameof(outChannels));
        }

        int outHeight = SlidingWindow.CheckedOutputSize(height, kernelHeight, strideHeight, paddingHeight, dilationHeight, nameof(height));
        int outWidth = SlidingWindow.CheckedOutputSize(width, kernelWidth, strideWidth, paddingWidth, dilationWidth, nameof(width));
        // Every per-sample size (input, output, column matrix) must be an int.
        _ = KernelGuard.Product(nameof(width), "inChannels*height*width", inChannels, height, width);
        _ = KernelGuard.Product(nameof(outChannels), "outChannels*outHeight*outWidth", outChannels, outHeight, outWidth);
        _ = KernelGuard.Product(nameof(kernelWidth), "inChannels*kernelHeight*kernelWidth*outHeight*outWidth", inChannels, kernelHeight, kernelWidth, outHeight, outWidth);
        return new Conv2dGeometry(inChannels, height, width, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, groups, outHeight, outWidth);
    }

    /// <summary>Floats the first slot may move up to reach a 64-byte boundary (<see cref="FirstSlot"/>).</summary>
    private const int AlignmentSlack = 15;

    /// <summary><paramref name="floats"/> rounded up to whole 64-byte lines.</summary>
    private static long RoundUpToLine(long floats) => (floats + AlignmentSlack) & ~(long)AlignmentSlack;

    private static void CheckWeight(ReadOnlySpan<float> weight, in Conv2dGeometry g) =>
        KernelGuard.Holds(weight.Length, g.OutChannels, g.GroupReduction, nameof(weight), "outChannels*(inChannels/groups)*kernelHeight*kernelWidth");

    /// <summary>The thread slots <paramref name="workspace"/> holds; throws unless at least one.</summary>
    private static int Slots(Span<float> workspace, in Conv2dGeometry g)
    {
        long partials = PartialFloats(g) + AlignmentSlack, slot = SlotFloats(g);
        KernelGuard.Holds(workspace.Length, KernelGuard.Fits(partials + slot, "inChannels", "the workspace of one thread (from the channels, sizes and kernel)"), nameof(workspace), "Conv2d.WorkspaceFloats(..., threads: 1)");
        return (int)Math.Min(Parallelism.ThreadLimit, (workspace.Length - partials) / slot);
    }

    /// <summary>
    /// The first thread slot: after the partial weight gradients, moved up to a 64-byte boundary (every slot is a whole
    /// number of 64-byte lines, so all are aligned). The vectorized paths load and store whole 512-bit vectors in their
    /// slots; on a line boundary each is one cache access instead of two (the input gradient by samples of LeNet's conv2
    /// took 226-233 µs from a slot 16 or 32 bytes off a line against 204-205 µs on one, one thread, CPU time).
    /// </summary>
    private static float* FirstSlot(float* workspace, in Conv2dGeometry g)
    {
        nint address = (nint)(workspace + PartialFloats(g));
        return (float*)((address + (AlignmentSlack * sizeof(float))) & ~(nint)((AlignmentSlack + 1) * sizeof(float) - 1));
    }
}
