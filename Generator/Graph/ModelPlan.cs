using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Graph;

/// <summary>
/// Everything the emitter needs: the shaped graph, the training schedule and its arena layout (null for an
/// inference-only model), and the forward pass with its own, smaller arena layout. The two arenas are
/// separate so that inference can rent one per call and run on many threads while training owns its own.
/// </summary>
internal sealed record ModelPlan(ModelGraph Graph, Schedule? Training, MemoryPlan? Memory, Schedule Inference, MemoryPlan InferenceMemory)
{
    /// <summary>spec -> graph -> schedules -> memory plans; each phase a pure function.</summary>
    public static ModelPlan Create(ModelSpec spec)
    {
        ModelGraph graph = GraphBuilder.Build(spec);
        Schedule inference = Schedule.ForInference(graph);
        MemoryPlan inferenceMemory = MemoryPlanner.Plan(inference);
        if (spec.IsInferenceOnly)
        {
            return new ModelPlan(graph, null, null, inference, inferenceMemory);
        }

        Schedule training = Schedule.ForTraining(graph);
        return new ModelPlan(graph, training, MemoryPlanner.Plan(training), inference, inferenceMemory);
    }
}
