using System;
using System.Text;

namespace StaticGrad.Generator.Helpers;

/// <summary>Builds C# text with four-space indentation and <c>\n</c> line endings, whatever the host OS.</summary>
internal sealed class IndentedWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder _builder = new();
    private int _depth;

    public void WriteLine(string line = "")
    {
        if (line.Length > 0)
        {
            for (int i = 0; i < _depth; i++)
            {
                _builder.Append(IndentUnit);
            }

            _builder.Append(line);
        }

        _builder.Append('\n');
    }

    /// <summary>Writes <c>{</c>, indents until the returned scope is disposed, then writes <c>}</c> (plus <paramref name="closingSuffix"/>).</summary>
    public Block WriteBlock(string? header = null, string closingSuffix = "")
    {
        if (header is not null)
        {
            WriteLine(header);
        }

        WriteLine("{");
        _depth++;
        return new Block(this, closingSuffix);
    }

    public override string ToString() => _builder.ToString();

    public readonly struct Block : IDisposable
    {
        private readonly IndentedWriter _writer;
        private readonly string _closingSuffix;

        public Block(IndentedWriter writer, string closingSuffix)
        {
            _writer = writer;
            _closingSuffix = closingSuffix;
        }

        public void Dispose()
        {
            _writer._depth--;
            _writer.WriteLine("}" + _closingSuffix);
        }
    }
}
