using System.Runtime.InteropServices;

namespace StaticGrad.Training;

/// <summary>What one optimizer step of a <see cref="Trainer"/> did; passed by reference to callbacks and progress reporters, so reporting allocates nothing.</summary>
/// <param name="Epoch">The epoch, 1-based, counting the epochs of a resumed checkpoint.</param>
/// <param name="Step">The optimizer step within the epoch, 1-based: under <see cref="TrainerOptions.AccumulationSteps"/> a step is a group of micro-batches, not a batch.</param>
/// <param name="StepsPerEpoch">Optimizer steps in one epoch (<see cref="Trainer.StepsPerEpoch"/>).</param>
/// <param name="GlobalStep">Optimizer steps taken in the whole run, this one included.</param>
/// <param name="BatchSize">Samples in this step: under <see cref="TrainerOptions.AccumulationSteps"/>, the rows of all its micro-batches.</param>
/// <param name="Loss">
/// This step's loss, reduced as the model's loss reduces a batch: under accumulation, a mean loss is its micro-batches'
/// mean weighted by their rows (the loss whose gradient the step applied) and a sum loss their sum.
/// </param>
/// <param name="MeanLoss">The epoch's running mean loss per sample so far (as <see cref="EpochMetrics.TrainingLoss"/>).</param>
/// <param name="LearningRate">The learning rate this step used.</param>
[StructLayout(LayoutKind.Auto)]
public readonly record struct TrainingStep(int Epoch, int Step, int StepsPerEpoch, long GlobalStep, int BatchSize, float Loss, double MeanLoss, float LearningRate);
