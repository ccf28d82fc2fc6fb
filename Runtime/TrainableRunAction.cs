namespace StaticGrad;

/// <summary>Work on one run of consecutive trainable parameters (<see cref="ParameterSet"/>'s optimizer loop).</summary>
/// <typeparam name="TState">The caller's state, passed by reference so nothing is captured or allocated.</typeparam>
/// <param name="state">The caller's state.</param>
/// <param name="offset">The run's first element in the flat buffers.</param>
/// <param name="length">Elements in the run.</param>
/// <param name="stepsTaken">The steps every tensor of the run has taken before this one.</param>
internal delegate void TrainableRunAction<TState>(ref TState state, int offset, int length, long stepsTaken)
    where TState : struct;
