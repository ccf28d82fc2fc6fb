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
}
