namespace StaticGrad.Generator.Ops;

/// <summary>
/// An op that reads its input's values under another shape (<c>Flatten</c>, <c>Unflatten</c>): images are stored
/// channel-major per sample, PyTorch's order, so nothing moves. It runs in place (and its gradient too) and writes
/// nothing, unless the planner must give it its own buffer (its input is the caller's span or feeds other nodes).
/// </summary>
internal abstract record ViewOp : Op
{
    public override bool RunsInPlace => true;

    public override bool KeepsValues => true;

    public override bool GradientInPlace => true;

    /// <summary>How the output reads the input, for generated comments (<c>read flat</c>).</summary>
    protected abstract string ReadAs { get; }

    public override void EmitForward(OpEmitContext c, bool training)
    {
        if (c.Output == c.Input)
        {
            c.Line($"// {c.Output} {c.OutputShape} is {c.Input} {c.InputShapes[0]} {ReadAs}: nothing moves");
            return;
        }

        c.Line($"// {c.Output} {c.OutputShape} = {c.Input} {c.InputShapes[0]} {ReadAs} (copied: the input is kept for another reader)");
        c.Line($"{OpEmitContext.Kernels}.Elementwise.Copy({c.Input}, {c.Output}, batch * {OpEmitContext.Int(c.OutputFeatures)});");
    }

    public override void EmitBackward(OpEmitContext c)
    {
        c.Line($"//   {c.OutputGradient} is the gradient of {c.Input} {ReadAs}");
        OpEmitContext.CopyGradient(c, c.OutputGradient, $"batch * {OpEmitContext.Int(c.OutputFeatures)}");
    }
}
