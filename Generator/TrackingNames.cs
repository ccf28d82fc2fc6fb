namespace StaticGrad.Generator;

/// <summary>The names of the incremental pipeline's steps, shared with the tests that check run reasons.</summary>
internal static class TrackingNames
{
    public const string ParseResults = nameof(ParseResults);
    public const string Diagnostics = nameof(Diagnostics);
    public const string ModelSpecs = nameof(ModelSpecs);
    public const string GeneratedSources = nameof(GeneratedSources);
    public const string Stubs = nameof(Stubs);
    public const string UnmarkedMembers = nameof(UnmarkedMembers);
    public const string UnmarkedClasses = nameof(UnmarkedClasses);
}
