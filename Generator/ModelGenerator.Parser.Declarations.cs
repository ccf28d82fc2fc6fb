using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticGrad.Generator.Helpers;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator;

internal sealed partial class ModelGenerator
{
    /// <summary>
    /// The checks on the declaration as a whole (class kind, sizes, names that collide with generated ones), the
    /// stubs of a declaration with errors, and classes that have layer attributes but no <c>[Model]</c>.
    /// </summary>
    internal static partial class Parser
    {
        /// <summary>The attributes that make a property a StaticGrad member, by metadata name: the second pipeline keys on each.</summary>
        public static readonly IReadOnlyList<string> MemberAttributeMetadataNames =
            Ops.OpCatalog.Entries.Select(e => e.Attribute)
                .Concat(LossAttributes.Keys)
                .Concat(OutputActivationAttributes.Keys)
                .OrderBy(name => name, System.StringComparer.Ordinal)
                .Select(name => RuntimeNamespace + "." + name)
                .ToArray();

        /// <summary>The largest parameter buffer: the longest .NET <c>float[]</c> (<c>Array.MaxLength</c>).</summary>
        private const long MaxParameters = TensorShape.MaxBufferFloats;

        private static readonly SymbolDisplayFormat StubTypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        /// <summary>
        /// The class kinds the generator cannot complete: it writes a second <c>partial</c> declaration in its own file with
        /// an instance constructor <c>(int seed, int maxBatch)</c> and value-free members.
        /// </summary>
        private static IEnumerable<string> UnsupportedKinds(INamedTypeSymbol type)
        {
            if (type.ContainingType is not null)
            {
                yield return "nested inside another type";
            }

            if (type.IsGenericType)
            {
                yield return "generic";
            }

            if (type.IsRecord)
            {
                yield return "a record (its value equality and printing would cover the weights)";
            }

            if (type.IsStatic)
            {
                yield return "static";
            }

            if (type.IsFileLocal)
            {
                yield return "file-local (the generated part lives in another file)";
            }

            if (type.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax { ParameterList: not null }))
            {
                yield return "declared with a primary constructor (the generated constructor takes (int seed, int maxBatch))";
            }

            if (GeneratedNames.PublicMembers.Contains(type.Name))
            {
                yield return $"named '{type.Name}', the name of a generated member";
            }

            if (BaseClassProblem(type.BaseType) is { } problem)
            {
                yield return problem;
            }
        }

        /// <summary>
        /// Why the generated part cannot complete a class derived from <paramref name="baseType"/>, or null: the generated
        /// constructor calls the base class's parameterless one, and the generated members would hide the base class's
        /// members of their names (another model's, when the base class is a model).
        /// </summary>
        private static string? BaseClassProblem(INamedTypeSymbol? baseType)
        {
            if (baseType is null || baseType.SpecialType == SpecialType.System_Object || baseType.TypeKind == TypeKind.Error)
            {
                return null;
            }

            string name = baseType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
            for (INamedTypeSymbol? t = baseType; t is not null; t = t.BaseType)
            {
                if (t.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ModelAttributeName))
                {
                    string model = SymbolEqualityComparer.Default.Equals(t, baseType) ? $"the model '{name}'" : $"'{name}', which derives from the model '{t.Name}'";
                    return $"derived from {model} (the generated members of both would collide)";
                }
            }

            if (!baseType.InstanceConstructors.Any(c => c.DeclaredAccessibility != Accessibility.Private && c.Parameters.All(p => p.IsOptional || p.IsParams)))
            {
                return $"derived from '{name}', which has no parameterless constructor for the generated constructor to call";
            }

            for (INamedTypeSymbol? t = baseType; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType)
            {
                foreach (ISymbol member in t.GetMembers())
                {
                    if (!member.IsImplicitlyDeclared
                        && member.DeclaredAccessibility != Accessibility.Private
                        && (GeneratedNames.PublicMembers.Contains(member.Name) || member.Name.StartsWith(GeneratedNames.ReservedPrefix, System.StringComparison.Ordinal)))
                    {
                        return $"derived from '{name}', whose member '{member.Name}' has the name of a generated member";
                    }
                }
            }

            return null;
        }

        /// <summary>
        /// Whether <paramref name="declaration"/> holds the type's first <c>[Model]</c> in source order (file path, then
        /// position), so that <c>[Model]</c> on two partial declarations generates once.
        /// </summary>
        private static bool HoldsFirstModelAttribute(INamedTypeSymbol type, SyntaxNode declaration)
        {
            SyntaxReference? first = FirstModelAttribute(type)?.ApplicationSyntaxReference;
            return first is null || (first.SyntaxTree.FilePath == declaration.SyntaxTree.FilePath && declaration.Span.Contains(first.Span));
        }

        /// <summary>How many <c>[Model]</c> attributes the type's declarations carry in source (more than one is the compiler's CS0579).</summary>
        private static int ModelAttributeCount(INamedTypeSymbol type)
            => type.GetAttributes().Count(a => a.AttributeClass?.ToDisplayString() == ModelAttributeName && a.ApplicationSyntaxReference is not null);

        /// <summary>The type's first <c>[Model]</c> in source order (file path, then position), or null when it has none in source.</summary>
        private static AttributeData? FirstModelAttribute(INamedTypeSymbol type)
            => type.GetAttributes()
                .Where(a => a.AttributeClass?.ToDisplayString() == ModelAttributeName && a.ApplicationSyntaxReference is not null)
                .OrderBy(a => a.ApplicationSyntaxReference!.SyntaxTree.FilePath, System.StringComparer.Ordinal)
                .ThenBy(a => a.ApplicationSyntaxReference!.Span.Start)
                .FirstOrDefault();

        /// <summary>
        /// Reports user members whose names the generated code takes: the public members every model has and anything
        /// starting with the reserved prefix (SG0026; layer and loss members count too, and so do members declared in other
        /// partial declarations); and user constructors that would leave the model unallocated (SG0038): one with the
        /// generated constructor's parameters <c>(int, int)</c>, or one that does not chain to another with <c>: this(...)</c>.
        /// </summary>
        private static void CheckNameCollisions(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
        {
            foreach (ISymbol member in type.GetMembers())
            {
                if (member.IsImplicitlyDeclared || member is IMethodSymbol { AssociatedSymbol: not null })
                {
                    continue;
                }

                if (member is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor)
                {
                    if (ConstructorProblem(constructor) is { } problem)
                    {
                        string signature = $"{type.Name}({string.Join(", ", constructor.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)))})";
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UninitializingConstructor, LocationInfo.From(constructor.Locations.FirstOrDefault()), signature, type.Name, problem));
                    }

                    continue;
                }

                string? collision = member switch
                {
                    IMethodSymbol { MethodKind: not MethodKind.Ordinary } => null,
                    _ when GeneratedNames.PublicMembers.Contains(member.Name) => $"the generated member '{member.Name}'",
                    _ when member.Name.StartsWith(GeneratedNames.ReservedPrefix, System.StringComparison.Ordinal)
                        => $"the generated private members: the prefix '{GeneratedNames.ReservedPrefix}' is reserved",
                    _ => null,
                };
                if (collision is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.GeneratedMemberCollision, LocationInfo.From(member.Locations.FirstOrDefault()), member.Name, type.Name, collision));
                }
            }
        }

        /// <summary>
        /// SG0040 for each instance field, auto-property, field-backed property (C# 14's <c>field</c> keyword) and
        /// field-like event of a non-nullable reference type that has no initializer and is not <c>required</c> (nor
        /// <c>[AllowNull]</c> or <c>[MaybeNull]</c>): the generated constructor, the only one that does not chain to another,
        /// leaves it null. The compiler reports that (CS8618, CS9264 for a field-backed property) at the constructor when the
        /// class declares one and at the member when the constructor is implicit; the generated one is neither the user's to
        /// edit nor implicit, so the warning goes where an implicit constructor would put it. <c>LeavesNull</c> also holds for
        /// a field-backed property whose getter does more than return <c>field</c>: the compiler warns for it only when that
        /// getter can return null (a getter such as <c>field ??= ""</c> cannot), which needs its flow analysis, so SG0040
        /// stays quiet there and the generated constructor still never reports CS8618 or CS9264 in generated code. Like the
        /// compiler, SG0040 is only reported where nullable warnings are on at the member (not under <c>annotations</c> alone or
        /// <c>#nullable disable warnings</c>), when <paramref name="semanticModel"/> can tell.
        /// </summary>
        private static (List<DiagnosticInfo> Diagnostics, bool LeavesNull) UninitializedMembers(INamedTypeSymbol type, SemanticModel? semanticModel, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            bool leavesNull = false;
            foreach (ISymbol member in type.GetMembers())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (member.IsStatic || member.IsImplicitlyDeclared || member.IsAbstract || member.DeclaringSyntaxReferences.Length != 1)
                {
                    continue;
                }

                SyntaxNode syntax = member.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
                (string? kind, ITypeSymbol? memberType, bool certain) = member switch
                {
                    IFieldSymbol { IsConst: false, IsRequired: false, AssociatedSymbol: null } field
                        when syntax is VariableDeclaratorSyntax { Initializer: null } => ("field", field.Type, true),
                    IEventSymbol @event when syntax is VariableDeclaratorSyntax { Initializer: null } => ("event", @event.Type, true),
                    IPropertySymbol { IsRequired: false, IsIndexer: false, IsPartialDefinition: false, PartialDefinitionPart: null } property
                        when syntax is PropertyDeclarationSyntax { Initializer: null, ExpressionBody: null, AccessorList.Accessors: { Count: > 0 } accessors } declaration
                            && !declaration.Modifiers.Any(SyntaxKind.ExternKeyword)
                            && BackingField(accessors) is { } getterReturnsIt => ("property", property.Type, getterReturnsIt),
                    _ => (null, null, false),
                };
                if (kind is null
                    || memberType is not { IsReferenceType: true, NullableAnnotation: NullableAnnotation.NotAnnotated }
                    || member.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() is "System.Diagnostics.CodeAnalysis.AllowNullAttribute" or "System.Diagnostics.CodeAnalysis.MaybeNullAttribute"))
                {
                    continue;
                }

                // A layer attribute on a field or event is the compiler's CS0592 at it; a second warning there would only
                // repeat that the member is not a layer (the generated constructor still suppresses CS8618 for it).
                leavesNull = true;
                if (certain && NullableWarningsOn(syntax, semanticModel) && !member.GetAttributes().Any(a => a.AttributeClass?.ContainingNamespace?.ToDisplayString() == RuntimeNamespace))
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UninitializedMember, LocationInfo.From(member.Locations.FirstOrDefault()), kind, member.Name, type.Name));
                }
            }

            return (diagnostics, leavesNull);
        }

        /// <summary>Whether nullable warnings are on where <paramref name="member"/> is declared (true when no semantic model can tell).</summary>
        private static bool NullableWarningsOn(SyntaxNode member, SemanticModel? semanticModel)
        {
            if (semanticModel is null)
            {
                return true;
            }

            SemanticModel model = member.SyntaxTree == semanticModel.SyntaxTree ? semanticModel : semanticModel.Compilation.GetSemanticModel(member.SyntaxTree);
            return model.GetNullableContext(member.SpanStart).WarningsEnabled();
        }

        /// <summary>
        /// Whether a property with these accessors has a backing field the compiler declares (an auto-implemented accessor,
        /// or <c>field</c> in an accessor's body): null when it has none; else whether its getter plainly returns that
        /// field (an auto <c>get;</c>, <c>get => field;</c>, <c>get { return field; }</c>, or no getter), so that the compiler
        /// warns when the constructor leaves it null.
        /// </summary>
        private static bool? BackingField(SyntaxList<AccessorDeclarationSyntax> accessors)
        {
            static bool IsAuto(AccessorDeclarationSyntax accessor) => accessor.Body is null && accessor.ExpressionBody is null;

            if (!accessors.Any(IsAuto) && !accessors.Any(a => a.DescendantNodes().OfType<FieldExpressionSyntax>().Any()))
            {
                return null;
            }

            AccessorDeclarationSyntax? getter = accessors.FirstOrDefault(a => a.IsKind(SyntaxKind.GetAccessorDeclaration));
            return getter is null
                || IsAuto(getter)
                || getter.ExpressionBody?.Expression is FieldExpressionSyntax
                || getter.Body is { Statements: { Count: 1 } statements } && statements[0] is ReturnStatementSyntax { Expression: FieldExpressionSyntax };
        }

        /// <summary>Why a user constructor would leave the model unallocated, or null when it chains to another with <c>: this(...)</c>.</summary>
        private static string? ConstructorProblem(IMethodSymbol constructor)
        {
            if (constructor.Parameters.Length == 2 && constructor.Parameters.All(p => p.Type.SpecialType == SpecialType.System_Int32))
            {
                return "has the generated constructor's parameters (int seed, int maxBatch); give it other parameters and chain to the generated one with ': this(seed, maxBatch)'";
            }

            SyntaxNode? syntax = constructor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax();
            return syntax switch
            {
                ConstructorDeclarationSyntax { Initializer: { } initializer } when initializer.IsKind(SyntaxKind.ThisConstructorInitializer) => null,
                TypeDeclarationSyntax => "is a primary constructor, which the generated constructor (int seed, int maxBatch) cannot chain to; declare the class without parameters",
                _ => "does not call the generated constructor, which allocates the model's parameters and buffers; chain to it with ': this(seed, maxBatch)'",
            };
        }

        /// <summary>The result for a declaration with errors: the diagnostics and throwing implementations of its partial members.</summary>
        private static ParseResult Failed(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics, bool withStubs, CancellationToken cancellationToken)
            => new(null, diagnostics.ToEquatableArray(), withStubs ? StubsFor(type, cancellationToken) : null);

        /// <summary>
        /// Throwing implementations of the StaticGrad partial properties of <paramref name="type"/> that have none (and the
        /// constructor of a class derived from a generated model, see <see cref="DerivesFromGeneratedModel"/>), or null when
        /// there are none or the type cannot be completed from another file (file-local, or a containing type that is not
        /// partial).
        /// </summary>
        private static StubSpec? StubsFor(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            if (type.IsFileLocal)
            {
                return null;
            }

            var headers = new List<string>();
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                if (TypeHeader(t, cancellationToken) is not { } header)
                {
                    return null;
                }

                headers.Insert(0, header);
            }

            var members = new List<StubMember>();
            foreach (ISymbol member in type.GetMembers())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (member is IPropertySymbol { IsPartialDefinition: true, IsAbstract: false, PartialImplementationPart: null, ExplicitInterfaceImplementations.Length: 0 } property
                    && property.Type.TypeKind != TypeKind.Error
                    && !IsRedeclaration(property)
                    && !ReadAttributes(property).IsEmpty
                    && property.DeclaringSyntaxReferences.Length == 1
                    && property.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is PropertyDeclarationSyntax { ExplicitInterfaceSpecifier: null, AccessorList.Accessors: { Count: > 0 } accessors } syntax
                    && accessors.All(a => a.Body is null && a.ExpressionBody is null && !a.IsMissing))
                {
                    members.Add(new StubMember(
                        ImplementationModifiers(syntax.Modifiers, type),
                        RefPrefix(property.RefKind) + property.Type.ToDisplayString(StubTypeFormat),
                        GeneratedNames.Identifier(property.Name),
                        accessors.Select(a => string.Join(" ", new[] { ImplementationModifiers(a.Modifiers, type), a.Keyword.Text }.Where(t => t.Length > 0))).ToEquatableArray()));
                }
            }

            string? modelBaseConstructor = DerivesFromGeneratedModel(type, cancellationToken) ? (type.IsAbstract ? "protected" : "public") : null;
            if (members.Count == 0 && modelBaseConstructor is null)
            {
                return null;
            }

            return new StubSpec(
                GeneratedNames.HintName(type),
                GeneratedNames.DottedIdentifier(GeneratedNames.NamespaceOf(type)),
                headers.ToEquatableArray(),
                type.Name,
                members.ToEquatableArray(),
                modelBaseConstructor);
        }

        /// <summary>
        /// Whether <paramref name="type"/> declares no constructor and derives from a model that is generated and declares
        /// none either: that model then has only the generated constructor <c>(int seed, int maxBatch)</c>, so the compiler
        /// would reject the implicit constructor of <paramref name="type"/> (CS7036), an error beside its own SG diagnostic.
        /// </summary>
        private static bool DerivesFromGeneratedModel(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            if (type.IsStatic
                || !type.InstanceConstructors.All(c => c.IsImplicitlyDeclared)
                || type.BaseType is not { } baseType
                || !baseType.InstanceConstructors.All(c => c.IsImplicitlyDeclared))
            {
                return false;
            }

            return FirstModelAttribute(baseType) is { } modelAttribute
                && modelAttribute.ApplicationSyntaxReference!.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>() is { } declaration
                && Parse(baseType, declaration, modelAttribute, withStubs: false, cancellationToken).Spec is not null;
        }

        /// <summary>
        /// The modifiers of a partial member's (or accessor's) declaration that its implementing part must repeat: the
        /// accessibility, <c>static</c>, <c>new</c>, <c>virtual</c>, <c>override</c>, <c>sealed</c>, <c>required</c>, and
        /// <c>readonly</c> in a struct. The others need not match, and the compiler rejects some of them on the declaration
        /// (<c>unsafe</c> without <c>AllowUnsafeBlocks</c>, CS0227; <c>readonly</c> in a class, <c>async</c>, <c>volatile</c>,
        /// CS0106): repeated, that error would be reported a second time, in the generated file.
        /// </summary>
        private static string ImplementationModifiers(SyntaxTokenList modifiers, INamedTypeSymbol containingType)
            => string.Join(" ", modifiers
                .Where(m => m.Kind() is SyntaxKind.PublicKeyword or SyntaxKind.ProtectedKeyword or SyntaxKind.InternalKeyword or SyntaxKind.PrivateKeyword
                    or SyntaxKind.StaticKeyword or SyntaxKind.NewKeyword or SyntaxKind.VirtualKeyword or SyntaxKind.OverrideKeyword
                    or SyntaxKind.SealedKeyword or SyntaxKind.RequiredKeyword
                    || (m.IsKind(SyntaxKind.ReadOnlyKeyword) && containingType.IsValueType))
                .Select(m => m.Text));

        /// <summary>What a property's type is preceded by for its ref kind (<c>ref </c>), so its stub matches its declaration.</summary>
        private static string RefPrefix(RefKind refKind) => refKind switch
        {
            RefKind.Ref => "ref ",
            RefKind.RefReadOnly => "ref readonly ",
            _ => string.Empty,
        };

        /// <summary>Whether the compiler rejects an argument of <paramref name="attribute"/> (no constructor takes them, or a value has the wrong type).</summary>
        private static bool HasArgumentErrors(AttributeData attribute)
            => attribute.AttributeConstructor is null
                || attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error)
                || attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error);

        /// <summary>Whether an earlier property of <paramref name="property"/>'s class has its name (the compiler's CS0102).</summary>
        private static bool IsRedeclaration(IPropertySymbol property)
            => !SymbolEqualityComparer.Default.Equals(property.ContainingType.GetMembers(property.Name).OfType<IPropertySymbol>().First(), property);

        /// <summary><c>partial class Name&lt;T&gt;</c> for a type whose declaration is partial, else null.</summary>
        private static string? TypeHeader(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            if (type.DeclaringSyntaxReferences.Length == 0
                || type.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration
                || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return null;
            }

            string? keyword = declaration switch
            {
                RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                ClassDeclarationSyntax => "class",
                StructDeclarationSyntax => "struct",
                InterfaceDeclarationSyntax => "interface",
                _ => null,
            };
            if (keyword is null)
            {
                return null;
            }

            string typeParameters = type.TypeParameters.Length == 0
                ? string.Empty
                : "<" + string.Join(", ", type.TypeParameters.Select(p => GeneratedNames.Identifier(p.Name))) + ">";
            return $"partial {keyword} {GeneratedNames.Identifier(type.Name)}{typeParameters}";
        }

        /// <summary>
        /// For a property with a StaticGrad member attribute: when its class has no <c>[Model]</c>, one diagnostic at
        /// the class (the same value from every such property, so the pipeline keeps one) and stubs for its members.
        /// </summary>
        public static UnmarkedClass? ParseUnmarked(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not IPropertySymbol { ContainingType: { } type }
                || type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ModelAttributeName))
            {
                return null;
            }

            string first = type.GetMembers().OfType<IPropertySymbol>().First(p => !ReadAttributes(p).IsEmpty).Name;
            LocationInfo? location = type.DeclaringSyntaxReferences.Length > 0
                && type.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is BaseTypeDeclarationSyntax declaration
                ? LocationInfo.From(declaration.Identifier.GetLocation())
                : LocationInfo.From(type.Locations.FirstOrDefault());
            return new UnmarkedClass(
                DiagnosticInfo.Create(Diagnostics.LayersOutsideModel, location, type.Name, first),
                StubsFor(type, cancellationToken));
        }
    }
}
