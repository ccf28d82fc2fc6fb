using System;
using System.Globalization;
using StaticGrad.Models.Commands;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// The first argument may name a command; anything else (or nothing) trains.
string command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "train";
string[] rest = command == "train" && (args.Length == 0 || args[0] != "train") ? args : args[1..];
switch (command)
{
    case "train":
        return TrainCommand.Run(rest);
    case "eval":
        return EvalCommand.Run(rest);
    case "predict":
        return PredictCommand.Run(rest);
    case "imbalanced":
        return ImbalancedCommand.Run(rest);
    case "binary":
        return BinaryCommand.Run(rest);
    case "regression":
        return RegressionCommand.Run(rest);
    default:
        Console.Error.WriteLine($"error: unknown command '{command}'. Commands: train (default), eval, predict, imbalanced, binary, regression.");
        return 2;
}
