using StaticGrad.Generator.Ops;

namespace StaticGrad.Generator.Model;

/// <summary>One declared member: a partial property whose attributes make one or more graph nodes.</summary>
/// <param name="MemberName">The partial property (<c>Layer1</c>).</param>
/// <param name="ParameterName">The <c>state_dict</c> prefix (<c>layer1</c>).</param>
/// <param name="Modifiers">The property's declared modifiers other than <c>partial</c>, repeated on the implementation.</param>
/// <param name="RuntimeType">The member's runtime type (<c>Linear</c>, <c>Dropout</c>), in namespace <c>StaticGrad</c>.</param>
/// <param name="Ops">The member's ops in data-flow order: its layer, then the activation declared after it, if any.</param>
/// <param name="From">
/// The earlier member whose output the member reads (<c>[From(nameof(M))]</c>, <see cref="ModelSpec.InputReference"/> for
/// the model input), or null for the previous member's output.
/// </param>
internal sealed record MemberSpec(string MemberName, string ParameterName, string Modifiers, string RuntimeType, EquatableArray<Op> Ops, string? From = null)
{
    /// <summary>The op that gives the member its runtime type (<c>Linear</c> for <c>[Linear(10), ReLU]</c>).</summary>
    public Op Primary => Ops[0];
}
