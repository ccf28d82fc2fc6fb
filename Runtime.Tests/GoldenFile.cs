using System;
using System.IO;
using System.Text.Json;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>A JSON golden file of <c>Golden/</c> (written by a script in <c>scripts/</c>) with a <c>cases</c> array of named cases.</summary>
internal sealed class GoldenFile(string fileName)
{
    private readonly Lazy<JsonDocument> _document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", fileName))));

    /// <summary>The document's root object.</summary>
    public JsonElement Root => _document.Value.RootElement;

    /// <summary>The <c>name</c> of every case, in file order, as theory data.</summary>
    public TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Root.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    /// <summary>The case named <paramref name="name"/>.</summary>
    public JsonElement Case(string name)
    {
        foreach (JsonElement c in Root.GetProperty("cases").EnumerateArray())
        {
            if (c.GetProperty("name").GetString() == name)
            {
                return c;
            }
        }

        throw new InvalidDataException($"No case named '{name}' in {fileName}.");
    }
}
