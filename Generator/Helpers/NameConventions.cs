using System.Text;

namespace StaticGrad.Generator.Helpers;

/// <summary>Maps C# member names to the names PyTorch code would use.</summary>
internal static class NameConventions
{
    /// <summary>
    /// PascalCase or camelCase to snake_case, the <c>state_dict</c> convention:
    /// <c>Layer1</c> -> <c>layer1</c>, <c>HiddenLayer</c> -> <c>hidden_layer</c>, <c>FC1</c> -> <c>fc1</c>.
    /// </summary>
    public static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                bool startsWordAfterAcronym = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (previousIsLowerOrDigit || startsWordAfterAcronym)
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// camelCase for locals: the leading capitals are lowered, except the one that starts the next
    /// word (<c>Layer1</c> -> <c>layer1</c>, <c>FC1</c> -> <c>fc1</c>, <c>FCLayer</c> -> <c>fcLayer</c>).
    /// </summary>
    public static string ToCamelCase(string name)
    {
        char[] chars = name.ToCharArray();
        for (int i = 0; i < chars.Length && char.IsUpper(chars[i]); i++)
        {
            bool startsNextWord = i > 0 && i + 1 < chars.Length && char.IsLower(chars[i + 1]);
            if (startsNextWord)
            {
                break;
            }

            chars[i] = char.ToLowerInvariant(chars[i]);
        }

        return new string(chars);
    }

    /// <summary>
    /// Why <paramref name="name"/> cannot be a layer's <c>state_dict</c> name, or null if it can: dot-separated
    /// segments of ASCII letters, digits, <c>_</c> and <c>-</c> (<c>0</c>, <c>fc1</c>, <c>features.0</c>).
    /// </summary>
    public static string? StateDictNameProblem(string name)
    {
        if (name.Length == 0)
        {
            return "it is empty; leave Name out to use the member's name";
        }

        if (name[0] == '.' || name[name.Length - 1] == '.' || name.Contains(".."))
        {
            return "it has an empty segment; a name is segments separated by single dots, such as 'features.0'";
        }

        foreach (char c in name)
        {
            bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
            if (!allowed)
            {
                return "it holds a character other than ASCII letters, digits, '_', '-' and '.'";
            }
        }

        return null;
    }

    /// <summary>A name as a diagnostic quotes it: in double quotes, control characters escaped, at most 40 characters.</summary>
    public static string Quoted(string name)
    {
        var builder = new StringBuilder(name.Length + 2);
        builder.Append('"');
        foreach (char c in name.Length > 40 ? name.Substring(0, 40) : name)
        {
            if (char.IsControl(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        builder.Append(name.Length > 40 ? "...\"" : "\"");
        return builder.ToString();
    }
}
