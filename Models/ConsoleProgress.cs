using System;
using System.Diagnostics;

namespace StaticGrad.Models;

/// <summary>A one-line progress bar redrawn in place while an epoch runs; silent when output is redirected.</summary>
public sealed class ConsoleProgress
{
    private const int Width = 30;
    private static readonly long RedrawInterval = Stopwatch.Frequency / 10;
    private readonly bool _enabled;
    private long _lastDraw;
    private bool _drawn;

    /// <summary>Creates the progress bar.</summary>
    /// <param name="enabled">False to draw nothing (redirected output, <c>--quiet</c>).</param>
    public ConsoleProgress(bool enabled) => _enabled = enabled;

    /// <summary>Redraws the bar, at most ten times a second and always at the end of the epoch.</summary>
    /// <param name="epoch">The current epoch, 1-based.</param>
    /// <param name="epochs">The number of epochs.</param>
    /// <param name="done">Steps done in this epoch.</param>
    /// <param name="total">Steps in this epoch.</param>
    /// <param name="meanLoss">The running mean loss of this epoch.</param>
    public void Report(int epoch, int epochs, int done, int total, double meanLoss)
    {
        long now = Stopwatch.GetTimestamp();
        if (!_enabled || (done < total && now - _lastDraw < RedrawInterval))
        {
            return;
        }

        _lastDraw = now;
        int filled = (int)((long)Width * done / total);
        Console.Write($"\repoch {epoch}/{epochs} [{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} loss {meanLoss:F4}");
        _drawn = true;
    }

    /// <summary>Erases the bar so the next line starts clean.</summary>
    public void Clear()
    {
        if (_drawn)
        {
            Console.Write("\r" + new string(' ', Width + 60) + "\r");
            _drawn = false;
        }
    }
}
