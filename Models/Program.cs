using System;
using System.Globalization;
using StaticGrad.Distributed;
using StaticGrad.Models.Commands;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (MpiCommunicator.IsLaunchedByMpirun)
{
    // mpirun gives each rank a pseudo-terminal and copies it into its own output. .NET's console start-up would write the
    // terminal's keypad-mode codes there (they show as "[?1h=" once that output is a file or a pipe); a rank never reads
    // the keyboard, so it starts the console as on a plain terminal. Set before the first use of Console.
    Environment.SetEnvironmentVariable("TERM", "dumb");
}

return Cli.Run(args, Console.Out, Console.Error);
