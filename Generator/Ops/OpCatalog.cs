using System;
using System.Collections.Generic;
using System.Linq;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// Every attribute that declares an op, with the member type it requires and the op's parse rule. The parser
/// looks attributes up here; adding an op kind adds one entry.
/// </summary>
internal static class OpCatalog
{
    /// <summary>One declaring attribute.</summary>
    /// <param name="Attribute">The attribute class name (<c>DropoutAttribute</c>).</param>
    /// <param name="MemberType">The runtime type of a member the attribute declares alone (<c>Dropout</c>).</param>
    /// <param name="IsActivation">Whether the attribute may follow a layer on the same member (<c>[Linear(10), ReLU]</c>).</param>
    /// <param name="Parse">The op's parse rule.</param>
    internal sealed record Entry(string Attribute, string MemberType, bool IsActivation, Func<AttributeReader, Op?> Parse)
    {
        /// <summary>The attribute as written (<c>Dropout</c>).</summary>
        public string ShortName => Attribute.Substring(0, Attribute.Length - "Attribute".Length);
    }

    private const string ActivationLayer = "ActivationLayer";

    public static readonly IReadOnlyList<Entry> Entries = new[]
    {
        new Entry("LinearAttribute", "Linear", false, LinearOp.Parse),
        new Entry("LayerNormAttribute", "LayerNorm", false, LayerNormOp.Parse),
        new Entry("BatchNorm1dAttribute", "BatchNorm1d", false, BatchNormOp.Parse),
        new Entry("BatchNorm2dAttribute", "BatchNorm2d", false, BatchNormOp.Parse2d),
        new Entry("GroupNormAttribute", "GroupNorm", false, GroupNormOp.Parse),
        new Entry("InstanceNorm2dAttribute", "InstanceNorm2d", false, GroupNormOp.ParseInstance),
        new Entry("Conv2dAttribute", "Conv2d", false, Conv2dOp.Parse),
        new Entry("ConvTranspose2dAttribute", "ConvTranspose2d", false, ConvTranspose2dOp.Parse),
        new Entry("MaxPool2dAttribute", "MaxPool2d", false, MaxPool2dOp.Parse),
        new Entry("AvgPool2dAttribute", "AvgPool2d", false, AvgPool2dOp.Parse),
        new Entry("AdaptiveAvgPool2dAttribute", "AdaptiveAvgPool2d", false, AvgPool2dOp.ParseAdaptive),
        new Entry("AdaptiveMaxPool2dAttribute", "AdaptiveMaxPool2d", false, AdaptiveMaxPool2dOp.Parse),
        new Entry("ZeroPad2dAttribute", "ZeroPad2d", false, Pad2dOp.ParseZero),
        new Entry("ReflectionPad2dAttribute", "ReflectionPad2d", false, Pad2dOp.ParseReflection),
        new Entry("ReplicationPad2dAttribute", "ReplicationPad2d", false, Pad2dOp.ParseReplication),
        new Entry("UpsampleAttribute", "Upsample", false, UpsampleOp.Parse),
        new Entry("FlattenAttribute", "Flatten", false, FlattenOp.Parse),
        new Entry("UnflattenAttribute", "Unflatten", false, UnflattenOp.Parse),
        new Entry("DropoutAttribute", "Dropout", false, DropoutOp.Parse),
        new Entry("Dropout2dAttribute", "Dropout2d", false, Dropout2dOp.Parse),
        new Entry("AddAttribute", "Residual", false, AddOp.Parse),
        new Entry("ConcatAttribute", "Residual", false, ConcatOp.Parse),
        new Entry("MultiplyAttribute", "Residual", false, MultiplyOp.Parse),
        new Entry("ReLUAttribute", ActivationLayer, true, ActivationOp.Plain(ActivationKind.ReLU)),
        new Entry("SigmoidAttribute", ActivationLayer, true, ActivationOp.Plain(ActivationKind.Sigmoid)),
        new Entry("TanhAttribute", ActivationLayer, true, ActivationOp.Plain(ActivationKind.Tanh)),
        new Entry("LeakyReLUAttribute", ActivationLayer, true, ActivationOp.ParseLeakyReLU),
        new Entry("ELUAttribute", ActivationLayer, true, ActivationOp.ParseELU),
        new Entry("GELUAttribute", ActivationLayer, true, ActivationOp.ParseGELU),
        new Entry("SiLUAttribute", ActivationLayer, true, ActivationOp.Plain(ActivationKind.SiLU)),
        new Entry("SoftplusAttribute", ActivationLayer, true, ActivationOp.ParseSoftplus),
        new Entry("HardswishAttribute", ActivationLayer, true, ActivationOp.Plain(ActivationKind.Hardswish)),
        new Entry("ReLU6Attribute", ActivationLayer, true, ActivationOp.Plain(ActivationKind.ReLU6)),
        new Entry("HardsigmoidAttribute", ActivationLayer, true, ActivationOp.Plain(ActivationKind.Hardsigmoid)),
    };

    private static readonly Dictionary<string, Entry> ByAttribute = Entries.ToDictionary(e => e.Attribute, StringComparer.Ordinal);

    public static Entry? Find(string attributeClassName) => ByAttribute.TryGetValue(attributeClassName, out Entry? entry) ? entry : null;
}
