using System;
using System.Globalization;
using StaticGrad.Models.Commands;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
return Cli.Run(args, Console.Out, Console.Error);
