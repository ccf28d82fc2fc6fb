using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Graph;

/// <summary>
/// Everything the emitter needs: the shaped graph, the schedule (the training step, or the forward pass of an
/// inference-only model) and the arena layout.
/// </summary>
internal sealed record ModelPlan(ModelGraph Graph, Schedule Training, MemoryPlan Memory)
{
    /// <summary>spec -> graph -> schedule -> memory plan; each phase a pure function.</summary>
    public static ModelPlan Create(ModelSpec spec)
    {
        ModelGraph graph = GraphBuilder.Build(spec);
        Schedule training = spec.IsInferenceOnly ? Schedule.ForInference(graph) : Schedule.ForTraining(graph);
        MemoryPlan memory = MemoryPlanner.Plan(training);
        return new ModelPlan(graph, training, memory);
    }
}
