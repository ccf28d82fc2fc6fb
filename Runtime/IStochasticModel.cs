namespace StaticGrad;

/// <summary>
/// A generated model with dropout: its masks come from <see cref="DropoutGenerator"/>, seeded from the constructor's
/// seed. Save and restore the generator's state (<see cref="Rng.GetState"/>, <see cref="Rng.SetState"/>) with a
/// training checkpoint so that a resumed run draws the same masks as an uninterrupted one.
/// </summary>
public interface IStochasticModel
{
    /// <summary>The generator dropout masks are drawn from.</summary>
    Rng DropoutGenerator { get; }
}
