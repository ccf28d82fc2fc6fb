using System;

namespace StaticGrad.Models;

/// <summary>What one training epoch achieved.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="MeanLoss">The mean of the minibatch losses of the epoch, weighted by batch size.</param>
/// <param name="TestAccuracy">The fraction of test samples classified correctly after the epoch.</param>
/// <param name="SamplesPerSecond">Training samples per second (training steps only, evaluation excluded).</param>
/// <param name="Elapsed">Wall time since training started, evaluation included.</param>
public sealed record EpochResult(int Epoch, double MeanLoss, double TestAccuracy, double SamplesPerSecond, TimeSpan Elapsed);
