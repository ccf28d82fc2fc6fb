using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Linq;
using System.Numerics;

namespace StaticGrad.Models.Commands;

/// <summary>
/// The options several commands share, as System.CommandLine options whose parse errors name the option, the value and
/// what was expected (a parse error exits with code 2).
/// </summary>
internal static class CliOptions
{
    /// <summary>The model names the train app knows.</summary>
    public static readonly string[] ModelNames = ["mlp128", "mlp256", "resmlp", "lenet", "cnn-bn"];

    /// <summary><c>--data DIR</c>, defaulting to the digits shipped beside the app.</summary>
    public static Option<string> Data(string what = "folder with the MNIST IDX files (train-images-idx3-ubyte[.gz], ...)")
    {
        Option<string> option = NonEmpty(new Option<string>("--data")
        {
            Description = what,
            HelpName = "DIR",
            DefaultValueFactory = _ => System.IO.Path.Combine(AppContext.BaseDirectory, "Data"),
        });
        option.Validators.Add(result =>
        {
            // A folder that is not there is a mistyped option (exit 2), as a missing folder of an output path is; its files'
            // problems are found when they are read.
            if (result.Tokens.Count == 1 && !string.IsNullOrWhiteSpace(result.Tokens[0].Value) && !System.IO.Directory.Exists(result.Tokens[0].Value))
            {
                result.AddError($"Option '--data': the folder '{result.Tokens[0].Value}' does not exist.");
            }
        });
        return option;
    }

    /// <summary>An optional path option.</summary>
    public static Option<string?> Path(string name, string description, string helpName = "PATH") => new(name) { Description = description, HelpName = helpName };

    /// <summary>An optional path option to a file the command reads (an empty value is a usage error).</summary>
    public static Option<string?> InputPath(string name, string description, string helpName = "PATH") => NonEmpty(Path(name, description, helpName));

    /// <summary>
    /// <c>--strip-prefix PREFIX</c> of the commands that read a weights file: the prefix removed from the file's tensor
    /// names that start with it before they are matched with the model and before the model is told from them
    /// (<see cref="StaticGrad.Checkpoints.WeightsLoadOptions.StripPrefix"/>). An empty value is a usage error naming the option; a
    /// prefix that no tensor of the file starts with is one too, reported when the file is read
    /// (<see cref="ModelFiles.Load"/>).
    /// </summary>
    public static Option<string?> StripPrefix()
    {
        var option = new Option<string?>("--strip-prefix")
        {
            Description = "remove this prefix from the file's tensor names, e.g. 'module.' for a state_dict saved from nn.DataParallel or DistributedDataParallel (module.fc1.weight -> fc1.weight)",
            HelpName = "PREFIX",
        };
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && result.Tokens[0].Value.Length == 0)
            {
                result.AddError($"Option '{option.Name}' expects the prefix to remove from the file's tensor names, such as 'module.'; got ''.");
            }
        });
        return option;
    }

    /// <summary>Makes an empty value of <paramref name="option"/> (<c>--weights ""</c>) a usage error naming it, not an exception later.</summary>
    /// <typeparam name="T">The option's type.</typeparam>
    /// <param name="option">A path option.</param>
    /// <returns><paramref name="option"/>.</returns>
    public static T NonEmpty<T>(T option)
        where T : Option
    {
        option.Validators.Add(result => RefuseEmpty(result, $"Option '{option.Name}'"));
        return option;
    }

    /// <summary>Makes an empty value of <paramref name="argument"/> a usage error naming it.</summary>
    /// <param name="argument">A path argument.</param>
    /// <returns><paramref name="argument"/>.</returns>
    public static Argument<string?> NonEmpty(Argument<string?> argument)
    {
        argument.Validators.Add(result => RefuseEmpty(result, $"Argument '{argument.Name}'"));
        return argument;
    }

    private static void RefuseEmpty(SymbolResult result, string what)
    {
        if (result.Tokens.Count == 1 && string.IsNullOrWhiteSpace(result.Tokens[0].Value))
        {
            result.AddError($"{what} expects a path; got '{result.Tokens[0].Value}'.");
        }
    }

    /// <summary>
    /// Makes <paramref name="option"/> an output PNG file (<see cref="OutputFile{T}"/>) whose name ends in .png: the plots
    /// are always PNG, and 'curves.jpg' or 'curves.txt' would otherwise hold PNG bytes under another format's name
    /// (matplotlib's savefig writes the format the extension names, or refuses one it does not support).
    /// </summary>
    /// <typeparam name="T">The option's type.</typeparam>
    /// <param name="option">An option whose value is a PNG image the command writes.</param>
    /// <returns><paramref name="option"/>.</returns>
    public static T PngFile<T>(T option)
        where T : Option
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && !result.Tokens[0].Value.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            {
                result.AddError($"Option '{option.Name}' writes a PNG image; expected a path ending in .png, got '{result.Tokens[0].Value}'.");
            }
        });
        return OutputFile(option);
    }

    /// <summary>
    /// Makes <paramref name="option"/> an output file: a parse error unless its folder exists and the path is not a folder.
    /// The check runs when the command line is parsed, so a run that could not write its file stops before any work
    /// (training, evaluation) with a usage error, not after it.
    /// </summary>
    /// <typeparam name="T">The option's type.</typeparam>
    /// <param name="option">An option whose value is a file the command writes.</param>
    /// <returns><paramref name="option"/>.</returns>
    public static T OutputFile<T>(T option)
        where T : Option
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count != 1)
            {
                return; // a missing value has its own error
            }

            string path = result.Tokens[0].Value;
            string fullPath;
            try
            {
                fullPath = System.IO.Path.GetFullPath(path);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or System.IO.PathTooLongException)
            {
                result.AddError($"Option '{option.Name}' expects a file path; got '{path}' ({e.Message}).");
                return;
            }

            string? folder = System.IO.Path.GetDirectoryName(fullPath);
            if (System.IO.Directory.Exists(fullPath) || string.IsNullOrEmpty(System.IO.Path.GetFileName(fullPath)) || folder is null)
            {
                result.AddError($"Option '{option.Name}' expects a file path; got the folder '{path}'.");
            }
            else if (!System.IO.Directory.Exists(folder))
            {
                result.AddError($"Option '{option.Name}': the folder '{folder}' of '{path}' does not exist; create it or choose another path.");
            }
            else if (NotWritable(folder) is string why)
            {
                // Found now, not when the file is written after the whole run.
                result.AddError($"Option '{option.Name}': cannot write in the folder '{folder}' of '{path}' ({why}); choose another path.");
            }
        });
        return option;
    }

    /// <summary>Why a file cannot be created in <paramref name="folder"/> (a probe file, deleted at once), or null when one can.</summary>
    private static string? NotWritable(string folder)
    {
        try
        {
            using var probe = new System.IO.FileStream(
                System.IO.Path.Combine(folder, $".staticgrad-probe-{Guid.NewGuid():N}.tmp"), System.IO.FileMode.CreateNew, System.IO.FileAccess.Write, System.IO.FileShare.None, 1, System.IO.FileOptions.DeleteOnClose);
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return "permission denied";
        }
        catch (System.IO.IOException e)
        {
            // The system's message names the probe file, which the user never asked for.
            return $"a file cannot be created there: {e.GetType().Name}";
        }
    }

    /// <summary>An integer option in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int> Int(string name, string description, int defaultValue, int min, int max) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseInt(result, name, min, max) ?? defaultValue,
    };

    /// <summary>An optional integer option in [<paramref name="min"/>, <paramref name="max"/>], null when not given.</summary>
    public static Option<int?> OptionalInt(string name, string description, int min, int max) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = result => ParseInt(result, name, min, max),
    };

    /// <summary>An optional finite number option, greater than 0 (or at least 0 with <paramref name="allowZero"/>), null when not given.</summary>
    public static Option<float?> Number(string name, string description, bool allowZero = false) => Number<float>(name, description, allowZero, "X", float.PositiveInfinity);

    /// <summary>
    /// An optional fraction in (0, 1), null when not given. Parsed as a double, as Python parses the same text: a float
    /// widened to double is another number (<c>0.1f</c> is 0.10000000149…), which moved the counts derived from it
    /// (<c>ceil(0.1 · 8000)</c> became 801 where scikit-learn's is 800).
    /// </summary>
    public static Option<double?> Fraction(string name, string description, string helpName) => Number<double>(name, description, allowZero: false, helpName, below: 1);

    private static Option<T?> Number<T>(string name, string description, bool allowZero, string helpName, T below)
        where T : struct, IFloatingPointIeee754<T> => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
            bool parsed = T.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out T value);
            bool wide = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double exact) && double.IsFinite(exact);
            if (!parsed || !T.IsFinite(value))
            {
                // A float option rounds a finite number beyond float32's range to infinity: it is a number, just too large.
                result.AddError(parsed && wide
                    ? $"Option '{name}' expects a number float32 holds (magnitude at most {float.MaxValue.ToString(CultureInfo.InvariantCulture)}); got '{text}'."
                    : $"Option '{name}' expects a number; got '{text}'.");
                return null;
            }

            if ((allowZero ? value < T.Zero : value <= T.Zero) || value >= below)
            {
                string range = T.IsFinite(below) ? $"in {(allowZero ? "[" : "(")}0, {below.ToString(null, CultureInfo.InvariantCulture)})" : allowZero ? ">= 0" : "> 0";
                string got = T.IsZero(value) && wide && exact != 0
                    ? $"'{text}', which is 0 in {(typeof(T) == typeof(float) ? "float32" : "float64")}"
                    : value.ToString(null, CultureInfo.InvariantCulture);
                result.AddError($"Option '{name}' expects a number {range}; got {got}.");
                return null;
            }

            // -0 is 0: the run's header and checkpoint would otherwise print it as '-0'.
            return T.IsZero(value) ? T.Zero : value;
        },
    };

    /// <summary>One of <paramref name="allowed"/> (case-insensitive on input, canonical on output).</summary>
    public static Option<string> OneOf(string name, string description, string defaultValue, params string[] allowed)
    {
        var option = new Option<string>(name)
        {
            Description = $"{description}: {string.Join(", ", allowed)}",
            HelpName = "NAME",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result => Canonical(result, name, allowed),
        };
        option.CompletionSources.Add(allowed);
        return option;
    }

    /// <summary>An optional choice among <paramref name="allowed"/>, null when not given.</summary>
    public static Option<string?> OptionalOneOf(string name, string description, params string[] allowed)
    {
        var option = new Option<string?>(name)
        {
            Description = $"{description}: {string.Join(", ", allowed)}",
            HelpName = "NAME",
            CustomParser = result => Canonical(result, name, allowed),
        };
        option.CompletionSources.Add(allowed);
        return option;
    }

    /// <summary>
    /// A comma-separated list of integers; read it with <see cref="ListValue"/>, which gives <paramref name="defaultValue"/> when it is not given. Its
    /// help shows <paramref name="defaultValue"/> as it is typed, <c>[default: 1,2,3]</c>: System.CommandLine shows a list
    /// default as <c>1|2|3</c>, which this parser refuses and a shell reads as pipes.
    /// </summary>
    public static Option<int[]> IntList(string name, string description, int[] defaultValue, int min = int.MinValue, int max = int.MaxValue) => new(name)
    {
        Description = $"{description} [default: {string.Join(',', defaultValue)}]",
        HelpName = "A,B,...",
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
            string[] parts = text.Split(',', StringSplitOptions.TrimEntries); // an empty entry ('1,,2', '1,') is refused below, as ',' is
            int[] values = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]) || values[i] < min || values[i] > max)
                {
                    result.AddError($"Option '{name}' expects a comma-separated list of integers from {min} to {max}; got '{text}'.");
                    return [];
                }
            }

            return values;
        },
    };

    /// <summary>
    /// A command validator that refuses two of <paramref name="files"/> naming one file (compared as full paths, so
    /// <c>./w.safetensors</c> is <c>w.safetensors</c>): the later of them is written, and would destroy the file the
    /// earlier one reads or writes (the weights exported or evaluated, the checkpoint saved or resumed).
    /// </summary>
    /// <param name="files">File options of one command, each written after those before it is read or written.</param>
    /// <returns>The validator.</returns>
    public static Action<CommandResult> DistinctFiles(params Option[] files) => result =>
    {
        for (int i = 0; i < files.Length; i++)
        {
            for (int j = i + 1; j < files.Length; j++)
            {
                if (FullPathOf(result, files[i]) is string first && FullPathOf(result, files[j]) is string second && first == second)
                {
                    result.AddError($"Options '{files[i].Name}' and '{files[j].Name}' name the same file '{first}', which '{files[j].Name}' would overwrite; expected another path for '{files[j].Name}'.");
                }
            }
        }
    };

    /// <summary>The value of an <see cref="IntList"/> option, or <paramref name="defaultValue"/> when the command line does not give it.</summary>
    /// <param name="result">The parse result.</param>
    /// <param name="option">The list option.</param>
    /// <param name="defaultValue">Its default, as passed to <see cref="IntList"/>.</param>
    /// <returns>The integers.</returns>
    public static int[] ListValue(ParseResult result, Option<int[]> option, int[] defaultValue) =>
        result.GetResult(option) is null ? defaultValue : result.GetValue(option)!;

    private static string? FullPathOf(CommandResult result, Option option)
    {
        if (result.GetResult(option) is not { Tokens.Count: 1 } given || given.Tokens[0].Value.Length == 0)
        {
            return null;
        }

        try
        {
            return System.IO.Path.GetFullPath(given.Tokens[0].Value);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or System.IO.PathTooLongException)
        {
            return null; // the option's own validator reports the path
        }
    }

    /// <summary>
    /// A command validator for rules across options. A value that failed to convert already has its own error and throws
    /// when read, so then the cross-checks are skipped.
    /// </summary>
    public static Action<CommandResult> CrossCheck(Action<CommandResult> check) => result =>
    {
        try
        {
            check(result);
        }
        catch (InvalidOperationException)
        {
        }
    };

    /// <summary>Whether <paramref name="option"/> was typed on the command line (not defaulted).</summary>
    public static bool WasGiven(ParseResult result, Option option) => result.GetResult(option) is OptionResult { Implicit: false };

    private static int? ParseInt(ArgumentResult result, string name, int min, int max)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            result.AddError($"Option '{name}' expects an integer from {min} to {max}; got '{text}'.");
            return null;
        }

        if (value < min || value > max)
        {
            result.AddError($"Option '{name}' expects an integer from {min} to {max}; got {value}.");
            return null;
        }

        return value;
    }

    private static string Canonical(ArgumentResult result, string name, string[] allowed)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        string? match = allowed.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            result.AddError($"Option '{name}' expects one of {string.Join(", ", allowed)}; got '{text}'.");
            return allowed[0];
        }

        return match;
    }
}
