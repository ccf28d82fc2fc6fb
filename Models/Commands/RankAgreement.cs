using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using StaticGrad.Distributed;

namespace StaticGrad.Models.Commands;

/// <summary>
/// <c>train --distributed</c>'s first collective: every rank must have been started with the same run-defining options.
/// A rank with another <c>--epochs</c>, <c>--early-stopping</c>, <c>--accumulate</c>, <c>--seeds</c> or <c>--resume</c>
/// runs another number of steps or collectives, and the others wait for it forever; another optimizer or schedule
/// trains replicas apart. Rank 0's values are broadcast, each rank compares, and one sum of the mismatches tells every
/// rank alike, so all of them refuse the run with the same message before anything else is collective. Options that
/// only say where rank 0 writes (<c>--save</c>, <c>--save-weights</c>, <c>--plot</c>), how it prints (<c>--quiet</c>)
/// or where each host finds the digits (<c>--data</c>; their counts are compared by the trainer) may differ.
/// </summary>
internal static class RankAgreement
{
    /// <summary>The options that define the run, as (option, value) pairs in a fixed order.</summary>
    public static (string Option, string Value)[] RunDefinition(TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return
        [
            ("--model", options.Model),
            ("--optimizer", options.Optimizer),
            ("--lr", Text(options.LearningRate)),
            ("--momentum", Text(options.Momentum)),
            ("--nesterov", options.Nesterov ? "given" : "not given"),
            ("--weight-decay", Text(options.WeightDecay)),
            ("--epochs", Text(options.Epochs)),
            ("--batch", Text(options.BatchSize)),
            ("--seeds", string.Join(",", options.Seeds.Select(Text))),
            ("--lr-schedule", options.LearningRateSchedule),
            ("--warmup", Text(options.Warmup)),
            ("--clip-grad-norm", options.ClipGradNorm is float clip ? Text(clip) : "not given"),
            ("--accumulate", Text(options.Accumulate)),
            ("--early-stopping", options.EarlyStopping is int patience ? Text(patience) : "not given"),
            ("--val-split", options.ValidationSplit is double split ? split.ToString("R", CultureInfo.InvariantCulture) : "not given"),
            ("--deterministic", Text(options.DeterministicBlock)),
            ("--resume", options.ResumePath is null ? "not given" : "given"),
        ];
    }

    /// <summary>
    /// Compares this rank's <see cref="RunDefinition"/> with rank 0's (collective: every rank must call it first).
    /// Returns null when every rank agrees; otherwise the same message on every rank: each option that differs, rank 0's
    /// value and on how many ranks it is another.
    /// </summary>
    public static string? Check(ICommunicator world, TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(world);
        (string Option, string Value)[] mine = RunDefinition(options);
        string[] root = Broadcast(world, mine.Select(entry => entry.Value).ToArray());
        long[] differing = mine.Select((entry, i) => root.Length != mine.Length || entry.Value != root[i] ? 1L : 0L).ToArray();
        world.AllReduceSum(differing);
        if (differing.All(count => count == 0))
        {
            return null;
        }

        IEnumerable<string> details = Enumerable.Range(0, mine.Length).Where(i => differing[i] > 0)
            .Select(i => $"{mine[i].Option}: {(i < root.Length ? root[i] : "(none)")} on rank 0, another value on {differing[i]} of the {world.Size - 1} other rank(s)");
        return $"error: the ranks were started with different options ({string.Join("; ", details)}); "
            + "start every rank with the same command line (mpirun -np N train --distributed ...): ranks that run different steps wait for each other forever.";
    }

    /// <summary>Rank 0's strings on every rank: their UTF-8 length, then the bytes (one string per line).</summary>
    private static string[] Broadcast(ICommunicator world, string[] values)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(string.Join('\n', values));
        long[] length = [bytes.Length];
        world.Broadcast(System.Runtime.InteropServices.MemoryMarshal.AsBytes(length.AsSpan()), 0);
        byte[] received = new byte[checked((int)length[0])];
        if (world.Rank == 0)
        {
            bytes.CopyTo(received, 0);
        }

        world.Broadcast(received, 0);
        return Encoding.UTF8.GetString(received).Split('\n');
    }

    private static string Text(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
