using System;

namespace StaticGrad.Models.Commands;

/// <summary>
/// A usage error that shows only once a file is read (an option that does not fit the file, such as a
/// <c>--strip-prefix</c> that no tensor name starts with): the command prints <c>error: MESSAGE</c> and exits with
/// <see cref="Cli.UsageErrorCode"/>, as for a parse error.
/// </summary>
/// <param name="message">What is wrong, naming the option and its value.</param>
internal sealed class UsageException(string message) : Exception(message);
