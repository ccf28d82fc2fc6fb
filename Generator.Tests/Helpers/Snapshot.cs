using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.CodeAnalysis;
using Xunit.Sdk;

namespace StaticGrad.Generator.Tests.Helpers;

/// <summary>
/// Snapshot verification with Verify.SourceGenerators' conventions, so switching to it later is
/// mechanical: <c>Snapshots/{Class}.{Method}#{HintName}.verified.cs</c> (first line <c>//HintName: ...</c>)
/// and <c>Snapshots/{Class}.{Method}.verified.txt</c> for diagnostics. A mismatch writes a
/// <c>.received.</c> file beside the verified one and fails with the first differing line;
/// <c>UPDATE_SNAPSHOTS=1</c> accepts the received output instead.
/// </summary>
internal static class Snapshot
{
    public static void Verify(GeneratorRun run, string className, [CallerMemberName] string method = "", [CallerFilePath] string callerPath = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerPath)!, "Snapshots");
        var failures = new List<string>();
        foreach (GeneratedSourceResult source in run.Result.Results.SelectMany(r => r.GeneratedSources).OrderBy(s => s.HintName, StringComparer.Ordinal))
        {
            string text = $"//HintName: {source.HintName}\n{source.SourceText}";
            string? failure = Compare(Path.Combine(directory, $"{className}.{method}#{source.HintName}"), ".cs", text);
            if (failure is not null)
            {
                failures.Add(failure);
            }
        }

        if (run.GeneratorDiagnostics.Length > 0)
        {
            string? failure = Compare(Path.Combine(directory, $"{className}.{method}"), ".txt", Format(run.GeneratorDiagnostics));
            if (failure is not null)
            {
                failures.Add(failure);
            }
        }

        if (failures.Count > 0)
        {
            throw new XunitException(string.Join("\n\n", failures));
        }
    }

    /// <summary>Diagnostics as text: one block per diagnostic (Location, Message, Severity, Id), sorted.</summary>
    public static string Format(IEnumerable<Diagnostic> diagnostics)
    {
        IEnumerable<string> blocks = diagnostics
            .Select(d =>
            {
                FileLinePositionSpan span = d.Location.GetLineSpan();
                string location = d.Location == Location.None
                    ? "none"
                    : $"{span.Path}: ({span.StartLinePosition.Line},{span.StartLinePosition.Character})-({span.EndLinePosition.Line},{span.EndLinePosition.Character})";
                return $"Location: {location}\nMessage: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}\nSeverity: {d.Severity}\nId: {d.Id}\n";
            })
            .OrderBy(block => block, StringComparer.Ordinal);
        return string.Join("\n", blocks);
    }

    private static string? Compare(string basePath, string extension, string received)
    {
        received = received.Replace("\r\n", "\n");
        string verifiedPath = basePath + ".verified" + extension;
        string receivedPath = basePath + ".received" + extension;
        bool update = Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1";
        string? verified = File.Exists(verifiedPath) ? File.ReadAllText(verifiedPath).Replace("\r\n", "\n") : null;
        if (verified == received)
        {
            File.Delete(receivedPath);
            return null;
        }

        if (update)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(verifiedPath)!);
            File.WriteAllText(verifiedPath, received, new UTF8Encoding(false));
            File.Delete(receivedPath);
            return null;
        }

        File.WriteAllText(receivedPath, received, new UTF8Encoding(false));
        if (verified is null)
        {
            return $"No snapshot {Path.GetFileName(verifiedPath)}; wrote {Path.GetFileName(receivedPath)}. Review it, then run with UPDATE_SNAPSHOTS=1 to accept.";
        }

        string[] expectedLines = verified.Split('\n');
        string[] actualLines = received.Split('\n');
        int line = 0;
        while (line < expectedLines.Length && line < actualLines.Length && expectedLines[line] == actualLines[line])
        {
            line++;
        }

        string expected = line < expectedLines.Length ? expectedLines[line] : "<end of file>";
        string actual = line < actualLines.Length ? actualLines[line] : "<end of file>";
        return $"Snapshot {Path.GetFileName(verifiedPath)} differs at line {line + 1}:\n  verified: {expected}\n  received: {actual}\nWrote {Path.GetFileName(receivedPath)}; run with UPDATE_SNAPSHOTS=1 to accept.";
    }
}
