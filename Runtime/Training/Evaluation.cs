namespace StaticGrad.Training;

/// <summary>How a model does on a dataset (<see cref="Trainer.Evaluate"/>).</summary>
/// <param name="Loss">
/// For a model trained on class indices, the mean cross-entropy of its predicted probabilities,
/// <c>-log max(p[label], 1e-7)</c> (unweighted and without label smoothing, whatever the training loss);
/// for a model trained on float targets, its own loss (<see cref="StaticGrad.IProbabilityTargetModel.EvaluateLoss"/> of its
/// outputs: binary cross-entropy with logits or on probabilities, soft-label cross-entropy, MSE, L1, smooth L1, Huber, with the loss's weights),
/// per sample as <see cref="EpochMetrics.TrainingLoss"/> counts it.
/// </param>
/// <param name="Accuracy">The fraction of samples whose highest output is the label; NaN for a model trained on float targets.</param>
/// <param name="Count">
/// The number of samples evaluated: those of a dataset with an <see cref="Data.InMemoryDataset.IgnoreIndex"/> whose label
/// is that index count in neither the loss nor the accuracy (as PyTorch's <c>ignore_index</c>), so they are left out here
/// too; with none left, the loss and accuracy are NaN.
/// </param>
public sealed record Evaluation(double Loss, double Accuracy, int Count);
