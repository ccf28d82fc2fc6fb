using System;

namespace StaticGrad;

/// <summary>
/// PyTorch's <c>CosineAnnealingWarmRestarts</c> (SGDR): a cosine from the base learning rate down towards
/// <see cref="EtaMin"/> over <see cref="T0"/> epochs, then a restart at the base with a cycle
/// <see cref="TMult"/> times as long: <c>η = η_min + (η_base − η_min)(1 + cos(π·T_cur/T_i))/2</c>, with
/// <c>T_cur</c> and <c>T_i</c> kept exactly as PyTorch 1.13's <c>scheduler.step()</c> keeps them.
/// </summary>
/// <remarks>
/// Only PyTorch's integer stepping is supported: <see cref="LearningRateScheduler.Step"/> is <c>scheduler.step()</c>
/// without an epoch argument (once per epoch, or once per batch with <see cref="T0"/> counted in batches). PyTorch's
/// fractional epochs (<c>scheduler.step(epoch + i / iters)</c> within an epoch) need that explicit argument and have no
/// counterpart here. Under integer stepping <c>T_cur</c> and <c>T_i</c> follow from <see cref="LearningRateScheduler.LastEpoch"/>,
/// so a <see cref="SchedulerState"/> restores them. PyTorch's own step leaves its <c>_step_count</c> at 0 for this
/// schedule (used only for its warnings); <see cref="LearningRateScheduler.StepCount"/> counts as for the others.
/// </remarks>
public sealed class CosineAnnealingWarmRestarts : LearningRateScheduler
{
    /// <summary>Attaches to <paramref name="optimizer"/> and takes the initial step.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="t0">PyTorch's <c>T_0</c>: steps in the first cycle; positive.</param>
    /// <param name="tMult">PyTorch's <c>T_mult</c>: the factor by which each cycle is longer than the one before; at least 1.</param>
    /// <param name="etaMin">PyTorch's <c>eta_min</c>: the minimum learning rate; finite and at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range (the exception names it).</exception>
    public CosineAnnealingWarmRestarts(IOptimizer optimizer, int t0, int tMult = 1, double etaMin = 0)
        : base(optimizer)
    {
        ScheduleArgument.Positive(t0, nameof(t0));
        ScheduleArgument.AtLeast(tMult, 1, nameof(tMult));
        ScheduleArgument.LearningRate(etaMin, nameof(etaMin));
        T0 = t0;
        TMult = tMult;
        EtaMin = etaMin;
        CycleLength = t0;
        EpochInCycle = -1;
        InitialStep();
    }

    /// <summary>Steps in the first cycle.</summary>
    public int T0 { get; }

    /// <summary>The factor by which each cycle is longer than the one before.</summary>
    public int TMult { get; }

    /// <summary>The minimum learning rate.</summary>
    public double EtaMin { get; }

    /// <summary>PyTorch's <c>T_cur</c>: steps since the last restart.</summary>
    public long EpochInCycle { get; private set; }

    /// <summary>PyTorch's <c>T_i</c>: the length of the current cycle.</summary>
    public long CycleLength { get; private set; }

    private protected override double ChainableLearningRate(double current)
    {
        if (LastEpoch == 0)
        {
            // PyTorch's step() with last_epoch < 0 is step(0): the first cycle from its start.
            (EpochInCycle, CycleLength) = (0, T0);
        }
        else
        {
            EpochInCycle++;
            if (EpochInCycle >= CycleLength)
            {
                EpochInCycle -= CycleLength;
                CycleLength = checked(CycleLength * TMult);
            }
        }

        return Cosine();
    }

    /// <summary>PyTorch's <c>step(epoch)</c>, which <see cref="SequentialLR"/> calls with epoch 0 at a milestone.</summary>
    private protected override double ClosedFormLearningRate(double current)
    {
        Restored();
        return Cosine();
    }

    /// <summary>
    /// <c>T_cur</c> and <c>T_i</c> after <see cref="LearningRateScheduler.LastEpoch"/> integer steps (before the first,
    /// PyTorch's construction values <c>T_cur = -1</c>, <c>T_i = T_0</c>).
    /// </summary>
    private protected override void Restored()
    {
        long epoch = LastEpoch;
        long length = T0;
        if (epoch >= length)
        {
            if (TMult == 1)
            {
                epoch %= length;
            }
            else
            {
                while (epoch >= length)
                {
                    epoch -= length;
                    length = checked(length * TMult);
                }
            }
        }

        (EpochInCycle, CycleLength) = (epoch, length);
    }

    private double Cosine() => EtaMin + ((BaseLearningRate - EtaMin) * (1 + Math.Cos(Math.PI * EpochInCycle / CycleLength)) / 2);
}
