using System;
using StaticGrad.Training;

namespace StaticGrad.Models.Commands;

/// <summary>The learning-rate schedule of <c>train --lr-schedule NAME --warmup N</c>, built over an optimizer.</summary>
/// <param name="Scheduler">The schedule stepped by the trainer, or null for a constant rate.</param>
/// <param name="Interval">When <paramref name="Scheduler"/> steps.</param>
/// <param name="Plateau">The plateau schedule on the validation loss, or null.</param>
internal sealed record TrainSchedule(ILearningRateScheduler? Scheduler, SchedulerInterval Interval, ReduceLROnPlateau? Plateau)
{
    /// <summary>
    /// Builds a schedule over <paramref name="epochs"/> epochs: <c>step</c> divides the rate by 10 after each of the first
    /// two thirds of the epochs after the warm-up (rounded up: after epochs 4 and 7 of 10, so the last third runs at a
    /// hundredth), <c>exponential</c> multiplies it by 0.9 each epoch, <c>cosine</c> anneals it to 0 over the
    /// epochs after the warm-up, <c>onecycle</c> is PyTorch's one-cycle policy per step peaking at the learning rate,
    /// <c>plateau</c> divides it by 10 after 2 epochs without a better validation loss. <paramref name="warmup"/> epochs of
    /// linear warm-up from a tenth of the rate come first.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    public static TrainSchedule Create(string name, int warmup, int epochs, int stepsPerEpoch, IOptimizer optimizer)
    {
        int decayEpochs = Math.Max(1, epochs - warmup);
        LearningRateScheduler? main = name switch
        {
            "none" or "plateau" => null,
            "step" => new MultiStepLR(optimizer, [ThirdOf(decayEpochs, 1), ThirdOf(decayEpochs, 2)], 0.1),
            "exponential" => new ExponentialLR(optimizer, 0.9),
            "cosine" => new CosineAnnealingLR(optimizer, decayEpochs),
            "onecycle" => new OneCycleLR(optimizer, optimizer.LearningRate, epochs * stepsPerEpoch),
            _ => throw new ArgumentException($"Unknown schedule '{name}'; expected one of {string.Join(", ", TrainOptions.Schedules)}.", nameof(name)),
        };
        ReduceLROnPlateau? plateau = name == "plateau" ? new ReduceLROnPlateau(optimizer, PlateauMode.Min, factor: 0.1, patience: 2) : null;
        if (name == "onecycle")
        {
            return new TrainSchedule(main, SchedulerInterval.Step, null);
        }

        if (warmup == 0)
        {
            return new TrainSchedule(main, SchedulerInterval.Epoch, plateau);
        }

        var warm = new LinearLR(optimizer, startFactor: 0.1, endFactor: 1, totalIters: warmup);
        ILearningRateScheduler scheduler = main is null ? warm : new SequentialLR(optimizer, [warm, main], [warmup]);
        return new TrainSchedule(scheduler, SchedulerInterval.Epoch, plateau);
    }

    /// <summary>The epoch that ends the <paramref name="thirds"/>-th third of <paramref name="epochs"/>, rounded up: 4 and 7 of 10, 1 and 2 of 3.</summary>
    private static int ThirdOf(int epochs, int thirds) => ((thirds * epochs) + 2) / 3;
}
