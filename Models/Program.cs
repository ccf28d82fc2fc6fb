using System;
using System.Globalization;
using StaticGrad.Models.Commands;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// The first argument may name a command; anything else (or nothing) trains.
return args.Length > 0 && args[0] is "train"
    ? TrainCommand.Run(args[1..])
    : TrainCommand.Run(args);
