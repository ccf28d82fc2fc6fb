using System.Linq;
using StaticGrad.Generator.Helpers;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator;

internal sealed partial class ModelGenerator
{
    /// <summary>
    /// Writes the throwing implementations of a declaration with errors: each partial property gets a body, so the
    /// only error the user sees is the SG diagnostic, not one CS9248 per member; and a class derived from a generated
    /// model gets a constructor that calls the model's, not CS7036. Nothing else is generated.
    /// </summary>
    internal static class StubEmitter
    {
        public static string Emit(StubSpec stubs)
        {
            var w = new IndentedWriter();
            w.WriteGeneratedFile(stubs.Namespace, () => WriteType(w, stubs, 0));
            return w.ToString();
        }

        private static void WriteType(IndentedWriter w, StubSpec stubs, int depth)
        {
            if (depth == stubs.TypeHeaders.Count - 1)
            {
                w.WriteLine($"// '{stubs.TypeName}' has StaticGrad errors (SG diagnostics): until they are fixed its members only throw.");
            }

            using (w.WriteBlock(stubs.TypeHeaders[depth]))
            {
                if (depth < stubs.TypeHeaders.Count - 1)
                {
                    WriteType(w, stubs, depth + 1);
                    return;
                }

                string thrower = "throw new global::System.InvalidOperationException(\""
                    + $"'{stubs.TypeName}' was not generated: fix the StaticGrad errors reported at its declaration.\")";
                if (stubs.ModelBaseConstructor is { } accessibility)
                {
                    w.WriteLine($"{accessibility} {GeneratedNames.Identifier(stubs.TypeName)}() : base(0) => {thrower};");
                }

                foreach (StubMember member in stubs.Members)
                {
                    string modifiers = member.Modifiers.Length == 0 ? string.Empty : member.Modifiers + " ";
                    string accessors = string.Join(" ", member.Accessors.Select(a => $"{a} => {thrower};"));
                    w.WriteLine($"{modifiers}partial {member.Type} {member.Name} {{ {accessors} }}");
                }
            }
        }
    }
}
