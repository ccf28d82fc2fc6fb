using System.Collections.Generic;
using System.Linq;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Graph;

/// <summary>Where a buffer lives in the arena and during which steps its value is needed.</summary>
/// <param name="Buffer">The buffer.</param>
/// <param name="Offset">Per-sample offset: the buffer starts at <c>Offset * maxBatch</c> floats.</param>
/// <param name="FirstStep">The step that first writes it.</param>
/// <param name="LastStep">The last step that reads or writes it.</param>
internal sealed record PlacedBuffer(BufferSpec Buffer, int Offset, int FirstStep, int LastStep);

/// <summary>The arena layout: every buffer's offset, and the arena size in floats per sample of the maximum batch.</summary>
internal sealed record MemoryPlan(EquatableArray<PlacedBuffer> Buffers, int FloatsPerSample)
{
    public PlacedBuffer this[string name] => Buffers.First(b => b.Buffer.Name == name);
}

/// <summary>
/// Liveness-based arena planning. Every buffer has the shape <c>[batch, n]</c>, so offsets are
/// planned per sample and scaled by the maximum batch at construction: the layout is fixed at
/// generation time whatever the batch. Two buffers may share space when their live ranges
/// (first write to last use, inclusive) do not overlap and they hold the same number of floats per sample.
/// </summary>
/// <remarks>
/// Why the same size: the kernels split a batch across threads by samples (or a product by its columns), so a buffer
/// laid over one of its own shape has each core write the bytes it wrote last, still in its own cache. Over a buffer of
/// another size, a core's samples fall partly on bytes the other core wrote, and every such line is fetched from the
/// other core before it is overwritten: LeNet-5's pooling backward over the memory of its smaller gradients took 55-64
/// µs against 20-31 µs in a plan of same-size sharing, and its training step 693-720 against 647-662 µs on two threads
/// (docs/performance.md). The arena grows (LeNet-5: 11450 floats per sample against 8232), a few megabytes at most for
/// the batch sizes training uses.
/// </remarks>
internal static class MemoryPlanner
{
    public static MemoryPlan Plan(Schedule schedule)
    {
        var first = new Dictionary<string, int>();
        var last = new Dictionary<string, int>();
        for (int s = 0; s < schedule.Steps.Count; s++)
        {
            Step step = schedule.Steps[s];
            foreach (string name in step.Writes)
            {
                if (!first.ContainsKey(name))
                {
                    first[name] = s;
                }

                last[name] = s;
            }

            foreach (string name in step.Reads)
            {
                last[name] = s;
            }
        }

        // Largest first, ties in schedule order: a deterministic first-fit that tends to pack well.
        IEnumerable<BufferSpec> order = schedule.Buffers
            .Select((buffer, index) => (buffer, index))
            .OrderByDescending(x => x.buffer.FloatsPerSample)
            .ThenBy(x => x.index)
            .Select(x => x.buffer);

        var placed = new List<PlacedBuffer>();
        int size = 0;
        foreach (BufferSpec buffer in order)
        {
            int start = first[buffer.Name];
            int end = last[buffer.Name];
            List<PlacedBuffer> conflicts = placed
                .Where(p => (p.FirstStep <= end && start <= p.LastStep) || p.Buffer.FloatsPerSample != buffer.FloatsPerSample)
                .OrderBy(p => p.Offset)
                .ToList();

            int offset = 0;
            foreach (PlacedBuffer other in conflicts)
            {
                if (offset + buffer.FloatsPerSample <= other.Offset)
                {
                    break;
                }

                offset = System.Math.Max(offset, other.Offset + other.Buffer.FloatsPerSample);
            }

            placed.Add(new PlacedBuffer(buffer, offset, start, end));
            size = System.Math.Max(size, offset + buffer.FloatsPerSample);
        }

        // Report in schedule order so the generated comments read top to bottom.
        List<PlacedBuffer> inScheduleOrder = schedule.Buffers.Select(b => placed.First(p => p.Buffer == b)).ToList();
        return new MemoryPlan(inScheduleOrder.ToEquatableArray(), size);
    }
}
